// Package interop checks daneprobe against real, independently written
// DNS and mail software: zones signed by BIND's dnssec-signzone and by
// ldns-signzone, served by NSD, resolved by Unbound, cross-checked with
// BIND's delv and Postfix's posttls-finger, and probed at Postfix smtpd
// listeners.
//
// # Why a second test world
//
// internal/testworld signs, serves and answers with code from this
// repository, and the dnssec package validates with code from this
// repository. A shared misunderstanding (canonical RR ordering, owner
// name case, wildcard label counts, NSEC3 hashing, opt-out) would pass
// there on both sides. Here every byte on the wire comes from software
// used on the Internet, and every verdict daneprobe gives is compared with
// the verdict of a reference validator fed the same data.
//
// # How it is built
//
// The package holds no production code: this file carries the package
// documentation and everything else lives in _test.go files, so nothing
// here is linked into the daneprobe binary and `go vet ./...` still sees
// a package. One top-level test, TestInterop, builds the world once per
// test binary run and hands it to its subtests as a local value (no
// TestMain and no package-level state):
//
//  1. keys from dnssec-keygen and ldns-keygen; a private root, the TLD
//     "interop." and one zone per scenario (see scenarios_dns_test.go and
//     testdata/interop/*.tmpl), signed by dnssec-signzone or
//     ldns-signzone, with signature windows in the past or future where
//     a scenario calls for it and a deliberately wrong DS for another;
//  2. NSD serving every zone on a random loopback port;
//  3. Unbound, with one stub-zone per zone pointing at NSD's port (a stub
//     for "." alone would follow the delegations to port 53), the private
//     root's DS as its trust anchor and do-not-query-localhost: no;
//  4. one Postfix instance (its own config and queue directories, run as
//     "master -d" in the foreground) with one smtpd listener per SMTP
//     scenario on a random loopback port, each presenting a certificate
//     made with internal/testworld's PKI.
//
// Then the subtests compare: every DNS question of the scenario table is
// validated by daneprobe's dnssec.Resolver, by delv and by Unbound (AD
// bit, SERVFAIL); every SMTP scenario is judged by daneprobe's packages
// (smtpprobe, tlsa, delivery.Decide), by gather.Checker, by the
// daneprobe binary ("check --json") and by posttls-finger -l dane, and
// each must give the RFC 7672 verdict of the table. posttls-finger
// resolves through the C library, which only knows port 53 from
// /etc/resolv.conf: it runs in a private mount namespace with a resolv.conf
// of ours bind-mounted over the real one, naming a 127.53.x.y address on
// whose port 53 the test relays queries to Unbound. README.md lists the
// scenarios, generated from the tables here (TestREADMETables -update),
// and every difference found between daneprobe and the references.
//
// Ports are found by listening on port 0 and closing; a daemon that fails
// to bind is started again on new ports. Every process runs in its own
// process group, is recorded with its PID and is killed by that PID in
// t.Cleanup, so the suite can run twice in a row and next to other tests.
//
// # When the daemons are missing
//
// Without the tools each test skips with one line naming the Debian
// packages to install. With CI=true in the environment a missing tool
// fails the suite instead: .ci/run installs them.
package interop
