package mailauth

import (
	"context"
	"fmt"
	"strings"

	"github.com/daneprobe/daneprobe/dnssec"
)

// SPF is the SPF posture of a domain: its record, the whole
// include/redirect tree with the lookup counts RFC 7208 §4.6.4 limits,
// and findings.
type SPF struct {
	// Found reports that exactly one valid SPF record exists.
	Found bool `json:"found"`
	// Record is the domain's SPF record.
	Record string `json:"record,omitempty"`
	// DNSSEC is the status of the domain's TXT lookup.
	DNSSEC dnssec.Security `json:"dnssec"`
	// Policy is the qualifier of the "all" mechanism that ends the
	// evaluation ("-all", "~all", "?all", "+all"), following redirect;
	// empty when there is none.
	Policy string `json:"policy,omitempty"`
	// Result is "permerror" or "temperror" when an evaluation that
	// reaches every term ends in that error, "none" without a record,
	// and empty otherwise (without an IP there is no pass or fail).
	Result SPFResult `json:"result,omitempty"`
	// Error explains Result or a failed lookup.
	Error string `json:"error,omitempty"`
	// Lookups is the number of DNS-lookup terms in the whole tree (the
	// limit is 10); VoidLookups the lookups that found nothing (the
	// limit is 2); Queries the DNS queries the walk sent.
	Lookups     int `json:"dns_lookups"`
	VoidLookups int `json:"void_lookups"`
	Queries     int `json:"dns_queries"`
	// Tree is the include/redirect tree.
	Tree *SPFNode `json:"tree,omitempty"`
	// Check is the check_host() result for a given IP and sender.
	Check *SPFCheck `json:"check,omitempty"`
	// Findings are the warnings and notes about the record.
	Findings []Finding `json:"findings,omitempty"`
}

// AnalyzeSPF walks the SPF tree of domain over lk, every term of it, and
// judges the posture. It never returns an error: a failed lookup is a
// temperror in the result.
func AnalyzeSPF(ctx context.Context, lk dnssec.Lookuper, domain string) *SPF {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	w := &spfWalk{ctx: ctx, lk: lk}
	root := &SPFNode{Domain: domain}
	r := w.run(root)
	s := &SPF{Record: root.Record, DNSSEC: root.DNSSEC, Lookups: w.lookups, VoidLookups: w.voids, Queries: w.queries, Tree: root}
	switch r {
	case SPFNone:
		s.Result = SPFNone
	case SPFPermerror, SPFTemperror:
		s.Result, s.Error = r, w.reason
	}
	s.Found = root.parsed != nil && root.Error == ""
	s.Policy = policyOf(root)
	s.Findings = spfFindings(s)
	return s
}

// policyOf returns the all qualifier that ends the evaluation of n:
// its own all, or that of its redirect target (RFC 7208 §6.1).
func policyOf(n *SPFNode) string {
	for n != nil {
		rec := n.parsed
		if rec == nil {
			return ""
		}
		if t := rec.All(); t != nil {
			return string(t.Qualifier) + "all"
		}
		var next *SPFNode
		for _, c := range n.Children {
			if strings.HasPrefix(strings.ToLower(c.Via), "redirect=") {
				next = c
			}
		}
		n = next
	}
	return ""
}

// spfFindings judges the posture of a walked tree.
func spfFindings(s *SPF) []Finding {
	var f []Finding
	add := func(warn bool, code, format string, args ...any) {
		f = append(f, Finding{Code: code, Warning: warn, Detail: fmt.Sprintf(format, args...)})
	}
	switch s.Result {
	case SPFNone:
		add(false, NoteSPFNone, "no SPF record (RFC 7208 §4.5): receivers cannot tell which servers may send as the domain")
		return f
	case SPFPermerror:
		add(true, WarnSPFPermerror, "SPF evaluation ends in permerror: %s; receivers treat the record as broken", s.Error)
	case SPFTemperror:
		add(true, WarnSPFTemperror, "SPF evaluation ends in temperror: %s", s.Error)
	}
	switch s.Policy {
	case "+all":
		add(true, WarnSPFPlusAll, "the SPF record ends in +all: anyone on the Internet may send as the domain")
	case "?all", "":
		if s.Result == "" {
			add(false, NoteSPFNeutral, "the SPF record ends in ?all or has no all: unlisted senders get neutral, which protects nothing; end it in -all (or ~all while testing)")
		}
	case "~all":
		add(false, NoteSPFSoftfail, "the SPF record ends in ~all: unlisted senders get softfail, which receivers accept and mark; -all makes them fail")
	}
	walkNodes(s.Tree, func(n *SPFNode) {
		rec := n.parsed
		if rec == nil {
			return
		}
		for _, t := range rec.Terms {
			if t.Mechanism == "ptr" {
				add(false, NoteSPFPtr, "%s uses ptr, which RFC 7208 §5.5 deprecates: slow, unreliable, and many receivers ignore it", n.Domain)
				break
			}
		}
		if len(n.Record) > 450 {
			// RFC 7208 §3.4: keep the record small enough that the
			// answer fits a 512-octet UDP response.
			add(false, NoteSPFLong, "the SPF record of %s is %d octets, over the 450 that RFC 7208 §3.4 suggests to fit a UDP answer", n.Domain, len(n.Record))
		}
		if len(n.DependsOnSender) > 0 {
			add(false, NoteSPFSenderMacros, "at %s, %s depend on the sender or IP (macros) and were not followed; their lookups are not in the count", n.Domain, strings.Join(n.DependsOnSender, ", "))
		}
	})
	if s.Result == "" && s.Lookups >= 8 {
		add(false, NoteSPFNearLimit, "the SPF tree uses %d of the 10 DNS lookups RFC 7208 §4.6.4 allows: one more include may break it", s.Lookups)
	}
	return f
}

func walkNodes(n *SPFNode, fn func(*SPFNode)) {
	if n == nil {
		return
	}
	fn(n)
	for _, c := range n.Children {
		walkNodes(c, fn)
	}
}
