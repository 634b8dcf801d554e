// Package recheck checks the policy domains of TLS reports again, now,
// and says per reported failure whether it still happens: the bridge
// between what senders reported (package tlsrpt) and what daneprobe's own
// check finds (package delivery). The decision itself, which finding
// reproduces which reported result type, is tlsrpt.RecheckGroup.
package recheck

import (
	"context"
	"fmt"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// DefaultMaxDomains bounds the domains one run checks again. Reports come
// from anyone who knows the rua= address and may name any domain, so a
// report must not be able to make daneprobe probe thousands of them.
const DefaultMaxDomains = 25

// CheckFunc checks one domain now, as "daneprobe check" does.
type CheckFunc func(ctx context.Context, domain string) *delivery.DomainReport

// Run checks again, with check, each policy domain of s that senders
// reported failures for, the most failed sessions first and at most max
// of them (DefaultMaxDomains when max <= 0), and records per failure
// group whether it reproduces (tlsrpt.Summary.ApplyRecheck). The failures
// of domains past the bound, of policy domains that are not domain names,
// or not reached before ctx ended, are undetermined and say why.
func Run(ctx context.Context, s *tlsrpt.Summary, check CheckFunc, max int) {
	if max <= 0 {
		max = DefaultMaxDomains
	}
	for i, domain := range s.FailingDomains() {
		var res tlsrpt.CheckResult
		switch {
		case i >= max:
			res = tlsrpt.CheckResult{NotChecked: fmt.Sprintf("not checked again: at most %d domains are checked in one run", max)}
		case !isDomain(domain):
			res = tlsrpt.CheckResult{NotChecked: fmt.Sprintf("not checked again: %q is not a domain name", domain)}
		case ctx.Err() != nil:
			res = tlsrpt.CheckResult{Incomplete: "interrupted before this domain was checked"}
		default:
			res = Result(check(ctx, domain))
		}
		s.ApplyRecheck(domain, res)
	}
	s.Rechecked = true
}

// Result turns daneprobe's report of one domain into the findings of a
// recheck: each failure with its RFC 8460 result type, the policy it
// breaks (tlsa for DANE, sts for MTA-STS, none for a DNSSEC failure that
// every sender meets) and where; a check that could not finish for a
// reason on the checking side is Incomplete.
func Result(r *delivery.DomainReport) tlsrpt.CheckResult {
	var res tlsrpt.CheckResult
	if r == nil {
		res.Incomplete = "no report"
		return res
	}
	res.Incomplete = r.Error
	for _, f := range r.Failures {
		res.Findings = append(res.Findings, tlsrpt.Finding{
			Result: tlsrpt.ResultType(f.ResultType),
			Policy: policyType(f.Policy),
			MX:     f.MX,
			IP:     f.IP,
			Detail: f.Detail,
		})
	}
	return res
}

// isDomain reports whether a policy domain from a report is a mail domain
// that can be checked (names.ParseDomain): reports are untrusted.
func isDomain(d string) bool {
	_, err := names.ParseDomain(d)
	return err == nil
}

// policyType names delivery's policy of a failure with the policy type
// of RFC 8460 §4.4.
func policyType(p string) tlsrpt.PolicyType {
	switch p {
	case delivery.PolicyDANE:
		return tlsrpt.PolicyTLSA
	case delivery.PolicyMTASTS:
		return tlsrpt.PolicySTS
	}
	return "" // dnssec: every sender meets it
}
