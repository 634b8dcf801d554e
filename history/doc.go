// Package history keeps past results of daneprobe checks in one SQLite
// file, so that a check run from cron (or the monitoring service) can say
// what changed since the previous run: a new certificate whose key no
// TLSA record names yet, a TLSA record set edited without the
// certificate, an MTA-STS policy switched to testing, a DNSSEC status
// that dropped from secure to insecure. Most real DANE outages are
// self-inflicted changes of this kind, and a single check cannot tell
// a change from a state.
//
// # The file
//
// The store is one SQLite database (through modernc.org/sqlite, pure Go,
// so the daneprobe binary stays static) in write-ahead-log mode, with
// PRAGMA application_id marking it as daneprobe's and PRAGMA
// user_version numbering its schema; Open migrates an older schema
// forward in one transaction and refuses a newer one, a file that is not
// a daneprobe store, a read-only file (for writing) and a corrupt one,
// each with a one-line error and without touching the file. Next to it
// SQLite keeps PATH-wal and PATH-shm while the store is open.
//
// Each run is recorded in one transaction: a crash, a full disk or an
// interrupt in the middle leaves the store as it was before the run.
// Several processes may use one file: readers never wait for the writer,
// and a second writer (two cron jobs at once) waits for the first up to
// Options.BusyTimeout, then fails with ErrBusy.
//
// # What is compared
//
// delivery.Diff compares two reports of one domain: the MX set, each host's
// addresses and TLSA RRset, each address's leaf certificate, SPKI and
// issuer, the MTA-STS id, mode and mx patterns, the TLS-RPT rua, the
// DNSSEC status of each lookup, and the DANE and MTA-STS verdicts. It
// classifies the combinations that matter for a rollover (RFC 7671 §8):
// a new key that no published record matches is a broken rollover
// (critical); a TLSA change while the certificate stayed is a rollover
// in progress (note); a new certificate that still matches is a routine
// renewal (note). Checks that cannot be compared (an error, a local
// fault, an UNKNOWN status: delivery.Comparable) are recorded but never serve as the baseline of a comparison; a check
// that was cut short (Ctrl-C) is not recorded at all.
package history
