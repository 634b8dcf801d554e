package delivery

import (
	"fmt"
	"strings"
)

// decideFamily keeps -4 and -6 honest (issue 11 §4): an MX host without
// an address of the one family looked up was not probed, which says
// nothing about its protection. Its TLSA facts stay (records judged
// usable as usual), its reason is family-not-probed ("no IPv4 address to
// probe (-4)"), and "no protection" is not claimed. When no MX host could
// be probed at all, the domain is unknown.
func decideFamily(r *DomainReport) {
	if r.Family == "" || r.LocalFault != "" || len(r.MX) == 0 {
		return
	}
	fam, flag := "IPv4", "-4"
	if r.Family == "ipv6" {
		fam, flag = "IPv6", "-6"
	}
	var missing []string
	for i := range r.MX {
		m := &r.MX[i]
		if len(m.Addresses) != 0 || m.DANEReason != ReasonNoAddresses {
			continue
		}
		m.DANEReason = ReasonFamilyNotProbed
		if m.TLSA != nil && lookupOutcomeOf(m.TLSA.Lookup) == lookupSecure {
			for j := range m.TLSA.Records {
				reason, _ := usability(m.TLSA.Records[j])
				m.TLSA.Records[j].Usable = reason == ""
			}
		}
		missing = append(missing, m.Host)
	}
	if len(missing) == 0 {
		return
	}
	why := fmt.Sprintf("no %s address to probe (%s) at %s", fam, flag, strings.Join(missing, ", "))
	kept := r.Warnings[:0]
	for _, w := range r.Warnings {
		if w.Code == WarnNoProtection || (w.Code == WarnNoAddresses && contains(missing, w.MX)) {
			continue
		}
		kept = append(kept, w)
	}
	r.Warnings = append(kept, Finding{Code: WarnIncomplete, Detail: why + ": not probed over the other family"})
	if len(missing) < len(r.MX) {
		r.Summary += "; " + why
		return
	}
	r.Status = StatusUnknown
	r.DANE = DANENone
	unknown := SenderOutcome{Action: Unknown, Reason: "not probed: " + why}
	r.Outcome = Outcomes{DANE: unknown, MTASTS: unknown, Both: unknown}
	r.Failures = []Failure{}
	r.Summary = why + ": nothing was probed, no verdict about the domain"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
