// Package scan checks many recipient domains in one run: the list an
// administrator sends mail to, before turning on DANE (RFC 7672) or MTA-STS
// (RFC 8461) enforcement in the sending MTA. It answers one question per
// domain, "would an enforcing sender still deliver here, or defer?", and sums
// the answers up.
//
// # Where the domains come from
//
// A plain list (ReadList) has one domain per line; comments after "#",
// blank lines, upper case and a trailing dot are allowed, duplicates are
// scanned once, and international names are converted to A-labels
// ("bücher.example" becomes "xn--bcher-kva.example", the form that goes on the
// wire). A line that is not a domain name is reported with its number and
// skipped; it never stops the scan.
//
// The list that matters is usually the one the MTA already delivers to.
// ParseMaillog reads a Postfix or Exim log and counts, per recipient domain,
// the messages that went out over SMTP: Postfix "to=<user@domain>" lines of
// the smtp delivery agent that name a relay= (not a local or virtual
// delivery), and Exim "=>" and "->" delivery lines that name a remote host
// (H=). The domains come out ranked by message count, so "--top 1000" scans
// the thousand domains that carry most of the mail.
//
// # Doing the work once
//
// Thousands of domains point to a handful of provider MX hosts. Two things are
// shared across the whole scan: the validating resolver's cache (one
// dnssec.Resolver: the root and TLD keys are validated once), and the SMTP
// probes. SharedProber probes each distinct (address, port, SNI) once per scan
// and hands the result to every domain whose MX resolves there (ProberFor
// builds one with a gather.Checker's settings); concurrent
// askers wait for the one probe in flight instead of opening their own
// connection. The cache is a bounded LRU: a provider host used by thousands of
// domains stays, a host used by one domain falls out.
//
// # Being polite
//
// A scan must not look like an attack on the MX hosts it probes. The
// Engine runs at most Concurrency domains at a time. LimitDial wraps the
// dialer of every SMTP and HTTPS connection: its IPLimiter allows only a few
// concurrent connections to any one destination address (the command's
// default is two), counting a connection as open until the server has closed
// its side too, and an optional RateLimiter spaces new connections globally.
// Each domain has a deadline of its own, so one unresponsive MX cannot hold a
// worker for long.
//
// # Output that survives interruption
//
// Each domain's report is written as one JSON line (the schema of "daneprobe
// check --json", see report/SCHEMA.md) as soon as it is done, in one write, so
// an output file only ever ends with a cut line when the process was killed.
// ReadResults reads such a file back: it returns every complete report and the
// length of the well-formed prefix, so a resumed scan drops a cut last line,
// skips the domains already done and appends the rest. When the context is
// canceled (Ctrl-C) the Engine stops taking new domains and lets those in
// flight finish within a grace period; a domain cut short is not written and
// is scanned again on resume.
//
// # Spreading the work over machines
//
// A Shard ("--shard 2/8") keeps the domains whose FNV-1a hash of the A-label
// name falls into its slot. Every domain belongs to exactly one of the N
// shards, whatever the order or duplicates in each machine's copy of the list,
// so N jobs over the same input produce disjoint outputs that concatenate into
// one. ShardFromEnv takes the index from the variable an orchestrator sets
// (JOB_COMPLETION_INDEX in a Kubernetes Indexed Job), so every job runs the
// same command line.
//
// A Merger sums such outputs (in any order, without checking anything again)
// into one Summary, with the adoption figures over the whole set: DNSSEC-signed
// MX, DANE on every MX, MTA-STS enforce, TLS-RPT, SPF -all, DMARC reject and
// quarantine. A Summary's lists keep the smallest names rather than the first
// ones seen, so merged shards give exactly an unsharded scan's summary.
//
// # Memory
//
// Input and output are streamed. Per domain, only 8 bytes stay after its line
// is written (its hash in the duplicate filter, so that the input can have
// duplicates anywhere); the probe and resolver caches are bounded, and the
// Summary keeps counts plus at most MaxListed names per list.
package scan
