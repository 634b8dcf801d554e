// Package smtpprobe runs one SMTP session against one MX address and
// reports what it saw. It never sends mail: the session ends with QUIT
// right after the second EHLO.
//
// # The dialogue
//
// An SMTP client that wants encryption follows RFC 3207:
//
//  1. connect to TCP port 25 of one address of the MX host;
//  2. read the server greeting, a 220 reply that may span several lines
//     ("220-..." continuation lines, then "220 ...", RFC 5321 §4.2);
//  3. send EHLO with its own host name and read the list of extensions
//     the server supports; a server that does not know EHLO answers 500
//     or 502 and the client falls back to HELO (RFC 5321 §4.1.4);
//  4. if STARTTLS is among the extensions, send STARTTLS; on a 220 reply
//     the client starts a TLS handshake on the same connection;
//  5. the TLS session starts from a clean slate: the client forgets what
//     it learned in plaintext and sends EHLO again (RFC 3207 §4.2).
//
// A DANE client (RFC 7672) sends the TLSA base domain as SNI (RFC 7672
// §8.1) and then checks the server's chain against the TLSA records; an
// MTA-STS client (RFC 8461) checks it against the WebPKI. This package
// does neither: it accepts any chain, records it (DER and parsed), and lets
// the caller verify through the TLSConfig hook or afterwards from the
// Result.
//
// # What can go wrong, and what the probe records
//
// Every step (connect, banner, ehlo, starttls, handshake, ehlo-after-tls,
// quit) has its own deadline and its own recorded outcome and wall time.
// The probe always returns the facts it gathered, also when a later step
// failed: a handshake failure still comes with the banner and the
// extensions.
//
// The probe also looks for the things an administrator usually misses:
//
//   - STARTTLS not advertised: the probe still tries it once. A server (or
//     a middlebox such as a firewall "SMTP fixup") that hides the
//     capability but accepts the command is a finding of its own, because a
//     sending MTA that sees no STARTTLS sends mail in plaintext.
//   - Bytes after the STARTTLS 220 reply and before the handshake. A
//     server must not send anything there; bytes in that gap are the
//     signature of STARTTLS command injection (the class behind
//     CVE-2011-0411). They are reported in Result.InjectedBytes and
//     discarded, never fed to TLS. Bytes that arrive a little later, in a
//     packet of their own, reach the TLS client as a malformed record and
//     fail the handshake ("protocol"); the probe then reports what the TLS
//     client read as injected too (Result.InjectedLate). It does not wait
//     after every 220 for late bytes: that would slow every healthy
//     session and still miss bytes sent after the wait.
//   - Hostile or broken servers: every read has a deadline for the whole
//     step (a server trickling one byte a second is cut off when the step
//     deadline passes, not when a byte is late) and a size cap (64 KiB and
//     512 lines per reply by default), so floods end in "reply-too-long"
//     and stalls in "timeout". The recorded certificate chain is capped
//     too (MaxChainCerts, MaxChainBytes; TLSFacts.ChainLength keeps the
//     presented count).
//   - Old TLS: versions 1.0 to 1.3 are allowed so that the negotiated
//     version and cipher suite can be recorded and judged by policy code.
//
// ProbeAddrs probes every address of an MX host concurrently: a broken
// secondary address or an IPv6 address without working TLS is exactly what
// people overlook. Where the local machine has no route for an address
// family, the outcome is "network-unreachable", not a failure of the
// server.
package smtpprobe
