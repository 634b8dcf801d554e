package delivery

import "strings"

// Status is the monitoring verdict for a domain, with the exit codes of
// the monitoring-plugin convention. Decide sets it by these rules:
//
//   - CRITICAL (exit 2): mail is or may be deferred or lost. The domain
//     does not exist; the MX lookup is bogus or failed; any address or
//     TLSA lookup of an MX host is bogus or failed (a TLSA lookup failure
//     is CRITICAL, not UNKNOWN: it blocks DANE senders from that host);
//     a sender enforcing DANE, MTA-STS or both would defer.
//   - UNKNOWN (exit 3): the check could not be completed (DomainReport.
//     Error is set) and no DNS failure was found.
//   - WARNING (exit 1): anything in Failures or Warnings: partial or
//     unusable DANE, an address failing DANE or MTA-STS while another
//     works, an unreachable address, MTA-STS testing failures, a policy
//     that cannot be fetched, a rollover risk, a certificate close to
//     expiry, a domain protected by neither DANE nor MTA-STS.
//   - OK (exit 0): none of the above; also a null MX.
type Status string

// Statuses, lower case as in JSON.
const (
	StatusOK       Status = "ok"
	StatusWarning  Status = "warning"
	StatusCritical Status = "critical"
	StatusUnknown  Status = "unknown"
)

// ExitCode returns the process exit status for s: 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN (also for an unset or unrecognised Status).
func (s Status) ExitCode() int {
	switch s {
	case StatusOK:
		return 0
	case StatusWarning:
		return 1
	case StatusCritical:
		return 2
	default:
		return 3
	}
}

// Label returns s in upper case as monitoring systems print it: "OK",
// "WARNING", "CRITICAL", "UNKNOWN".
func (s Status) Label() string {
	switch s {
	case StatusOK, StatusWarning, StatusCritical:
		return strings.ToUpper(string(s))
	default:
		return "UNKNOWN"
	}
}

// severity orders statuses for Worst: CRITICAL > UNKNOWN > WARNING > OK.
// UNKNOWN ranks above WARNING because a check that could not finish may
// hide a CRITICAL; this is the order Icinga uses to rank service states.
func (s Status) severity() int {
	switch s {
	case StatusOK:
		return 0
	case StatusWarning:
		return 1
	case StatusCritical:
		return 3
	default:
		return 2
	}
}

// Worst returns the most severe of the statuses (CRITICAL > UNKNOWN >
// WARNING > OK), the status of a check of several domains. With no
// statuses it returns StatusUnknown: nothing was checked.
func Worst(statuses ...Status) Status {
	if len(statuses) == 0 {
		return StatusUnknown
	}
	w := StatusOK
	for _, s := range statuses {
		if s.severity() > w.severity() {
			w = s
		}
	}
	if w.severity() == 2 {
		return StatusUnknown
	}
	return w
}

// WorstOf returns the Worst status of the reports.
func WorstOf(reports []DomainReport) Status {
	s := make([]Status, len(reports))
	for i := range reports {
		s[i] = reports[i].Status
	}
	return Worst(s...)
}

// domainStatus maps the verdicts onto the monitoring status.
//
// CRITICAL: mail is or may be deferred or lost: the domain does not
// exist; the MX lookup is bogus or failed; any address or TLSA lookup of
// an MX host is bogus or failed (DNSSEC breakage blocks DANE senders from
// that host and usually spreads; this is CRITICAL, not UNKNOWN); a
// sender enforcing DANE, MTA-STS or both would defer.
//
// UNKNOWN: the check could not be completed (r.Error is set) and no DNS
// failure was found; a deferral then is not trusted, since the servers
// may only have been cut off by the check's own deadline.
//
// WARNING: anything in Failures or Warnings: partial or unusable DANE,
// an address failing DANE or MTA-STS while another works, an unreachable
// address, MTA-STS testing failures, a policy that cannot be fetched, a
// rollover risk, a certificate close to expiry, a domain protected by
// neither DANE nor MTA-STS.
//
// OK: none of the above. A null MX is OK: the domain says it takes no
// mail, and no sender will try.
func domainStatus(r *DomainReport) Status {
	if r.MXLookup.NXDomain {
		return StatusCritical
	}
	critical := false
	for _, f := range r.Failures {
		switch f.Reason {
		case ReasonMXLookupBogus, ReasonMXLookupFailed,
			ReasonAddressLookupBogus, ReasonAddressLookupFailed,
			ReasonTLSALookupBogus, ReasonTLSALookupFailed:
			critical = true
		}
	}
	// With an incomplete check an unreachable server may be our own
	// deadline, so a deferral is only CRITICAL when the check finished.
	for _, o := range []SenderOutcome{r.Outcome.DANE, r.Outcome.MTASTS, r.Outcome.Both} {
		if o.Action == Defer && r.Error == "" {
			critical = true
		}
	}
	// A signature or checked certificate about to expire (decide_horizon.go).
	critical = critical || horizonCritical(r)
	switch {
	case critical:
		return StatusCritical
	case r.Error != "":
		return StatusUnknown
	case len(r.Failures) > 0 || len(r.Warnings) > 0:
		return StatusWarning
	default:
		return StatusOK
	}
}
