package tlsrpt

import (
	"fmt"
	"strings"
)

// Finding is one failure that daneprobe's own check found now, in the
// words of RFC 8460: what a sender would have reported for it.
type Finding struct {
	// Result is the result type a sender would report.
	Result ResultType `json:"result_type"`
	// Policy is the policy the failure breaks: tlsa for DANE, sts for
	// MTA-STS, empty for a failure every sender meets (a DNSSEC failure
	// of the MX lookup, say).
	Policy PolicyType `json:"policy,omitempty"`
	// MX and IP locate the failure; empty when it is domain-wide.
	MX string `json:"mx,omitempty"`
	IP string `json:"ip,omitempty"`
	// Detail is daneprobe's sentence for people.
	Detail string `json:"detail"`
}

// CheckResult is what a fresh check of one policy domain found.
type CheckResult struct {
	// Findings are the failures found.
	Findings []Finding
	// Incomplete is set when the check could not finish for a reason on
	// the checking side (no resolver, deadline): only what it found can
	// then be said about the domain.
	Incomplete string
	// NotChecked is set when the domain was not checked at all, for a
	// reason that is not a fault (a bound on the domains checked).
	NotChecked string
}

// RecheckVerdict says whether a reported failure reproduces now.
type RecheckVerdict string

// Recheck verdicts.
const (
	// Reproduces: the check finds the failure the senders reported.
	Reproduces RecheckVerdict = "reproduces"
	// NotReproduced: the check finds no such failure: fixed since, or
	// a problem of some senders only.
	NotReproduced RecheckVerdict = "not-reproduced"
	// Undetermined: the check could not finish, or the result type is
	// none that daneprobe can check.
	Undetermined RecheckVerdict = "undetermined"
)

// Recheck is the outcome of checking one failure group again.
type Recheck struct {
	Verdict RecheckVerdict `json:"verdict"`
	// Incomplete is set when the verdict is undetermined because the
	// check could not finish for a reason on the checking side.
	Incomplete bool `json:"incomplete,omitempty"`
	// Detail says it in one sentence for people.
	Detail string `json:"why"`
	// OnlyFrom lists the organisations that reported the failure when
	// others reported sessions to the same domain and type without it:
	// a failure seen only from some senders. Empty otherwise.
	OnlyFrom []string `json:"only_from,omitempty"`
	// Matching are the findings of the fresh check that reproduce it.
	Matching []Finding `json:"matching,omitempty"`
}

// ReproducedBy is the one mapping from a result type that a sender
// reported to the result types of daneprobe's own findings that show the
// same failure (RFC 8460 §4.3). Most map to themselves; the general
// validation-failure (§4.3.1, §4.3.3) is shown by any certificate or TLSA
// failure; tlsa-invalid is also shown by the DANE-TA failures that
// daneprobe names more precisely (a DANE-TA chain that names another host,
// has expired or does not chain: RFC 7672 §3.2). A result type outside
// RFC 8460 maps to nothing.
func ReproducedBy(reported ResultType) []ResultType {
	switch reported {
	case ResultValidationFailure:
		return []ResultType{ResultValidationFailure, ResultCertificateHostMismatch, ResultCertificateExpired,
			ResultCertificateNotTrusted, ResultTLSAInvalid}
	case ResultTLSAInvalid:
		return []ResultType{ResultTLSAInvalid, ResultCertificateHostMismatch, ResultCertificateExpired, ResultCertificateNotTrusted}
	}
	if reported.Known() {
		return []ResultType{reported}
	}
	return nil
}

// RecheckGroup says whether the failure group g, reported under policy
// type pt by g.Organizations out of the domain's reporting organisations
// orgs, reproduces in the fresh check res. A finding reproduces g when
// its result type is one ReproducedBy(g.Result) lists, its policy is the
// group's (or every sender's), and it is at the group's receiving MX and,
// when both name one, address. A check that did not finish
// (res.Incomplete) reproduces what it found and is undetermined for the
// rest. Pure: no I/O.
func RecheckGroup(pt PolicyType, g FailureGroup, orgs []string, res CheckResult) Recheck {
	where := "the domain"
	if g.MX != "" {
		where = g.MX
	}
	if len(g.ReceivingIPs) > 0 {
		where += " (" + strings.Join(g.ReceivingIPs, ", ") + ")"
	}
	if res.NotChecked != "" {
		return Recheck{Verdict: Undetermined, Detail: res.NotChecked}
	}
	want := ReproducedBy(g.Result)
	if len(want) == 0 {
		return Recheck{Verdict: Undetermined, Detail: fmt.Sprintf("%q is not an RFC 8460 result type; daneprobe cannot check it", string(g.Result))}
	}
	var match []Finding
	for _, f := range res.Findings {
		if !hasResult(want, f.Result) {
			continue
		}
		if f.Policy != "" && pt != PolicyNoPolicyFound && f.Policy != pt {
			continue
		}
		if g.MX != "" && f.MX != "" && !strings.EqualFold(f.MX, g.MX) {
			continue
		}
		if f.IP != "" && len(g.ReceivingIPs) > 0 && !contains(g.ReceivingIPs, f.IP) {
			continue
		}
		match = append(match, f)
	}
	if len(match) > 0 {
		return Recheck{Verdict: Reproduces, Detail: "still failing at " + where + ": " + match[0].Detail, Matching: match}
	}
	// A check cut short may have missed the failure: only what it found
	// counts.
	if res.Incomplete != "" {
		return Recheck{Verdict: Undetermined, Incomplete: true, Detail: "the check did not finish: " + res.Incomplete}
	}
	r := Recheck{Verdict: NotReproduced}
	if len(g.Organizations) < len(orgs) {
		r.OnlyFrom = g.Organizations
		r.Detail = fmt.Sprintf("no %s at %s now; reported only by %s (%d of %d organisations reporting on this domain): a problem of those senders, or fixed since",
			g.Result, where, strings.Join(g.Organizations, ", "), len(g.Organizations), len(orgs))
		return r
	}
	r.Detail = fmt.Sprintf("no %s at %s now: fixed since the reports", g.Result, where)
	return r
}

func hasResult(list []ResultType, r ResultType) bool {
	for _, l := range list {
		if l == r {
			return true
		}
	}
	return false
}

// ApplyRecheck records the fresh check res of one policy domain in s: it
// sets Recheck on each of the domain's failure groups (RecheckGroup) and
// recomputes s.Status. The policy domain is compared in lower case.
func (s *Summary) ApplyRecheck(domain string, res CheckResult) {
	domain = hostName(domain)
	for i := range s.Domains {
		d := &s.Domains[i]
		if d.Domain != domain {
			continue
		}
		for j := range d.Failures {
			rc := RecheckGroup(d.PolicyType, d.Failures[j], d.Organizations, res)
			d.Failures[j].Recheck = &rc
		}
	}
	s.Rechecked = true
	s.Status = s.status()
}

// FailingDomains lists the policy domains with failed sessions, each
// once, in the order of s.Domains: the domains a recheck checks.
func (s *Summary) FailingDomains() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range s.Domains {
		if d.Failed > 0 && !seen[d.Domain] {
			seen[d.Domain] = true
			out = append(out, d.Domain)
		}
	}
	return out
}
