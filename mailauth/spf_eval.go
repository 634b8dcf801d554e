package mailauth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// SPFResult is a check_host() result (RFC 7208 §2.6).
type SPFResult string

// The check_host() results.
const (
	SPFNone      SPFResult = "none"
	SPFNeutral   SPFResult = "neutral"
	SPFPass      SPFResult = "pass"
	SPFFail      SPFResult = "fail"
	SPFSoftfail  SPFResult = "softfail"
	SPFTemperror SPFResult = "temperror"
	SPFPermerror SPFResult = "permerror"
)

// RFC 7208 §4.6.4 limits.
const (
	// MaxSPFLookups is the limit on terms that cause DNS lookups.
	MaxSPFLookups = 10
	// MaxSPFVoidLookups is the limit on lookups that find nothing.
	MaxSPFVoidLookups = 2
	// maxSPFNames caps the names an mx or ptr evaluation looks up.
	maxSPFNames = 10
)

// SPFNode is one record of the include/redirect tree.
type SPFNode struct {
	// Domain is the name whose TXT record this is.
	Domain string `json:"domain"`
	// Via is the term of the parent that led here ("include:x",
	// "redirect=x"); empty for the domain itself.
	Via string `json:"via,omitempty"`
	// Record is the SPF record; empty when none was found.
	Record string `json:"record,omitempty"`
	// DNSSEC is the status of the TXT lookup.
	DNSSEC dnssec.Security `json:"dnssec"`
	// Lookups counts this record's own terms that count against the
	// limit of 10.
	Lookups int `json:"dns_lookups"`
	// DependsOnSender lists terms whose target needs the sender or IP
	// (macros) and were not followed.
	DependsOnSender []string `json:"depends_on_sender,omitempty"`
	// Error says why evaluation stopped here.
	Error string `json:"error,omitempty"`
	// Children are the included and redirected records.
	Children []*SPFNode `json:"children,omitempty"`

	// parsed is Record parsed, nil when it is empty or invalid.
	parsed *SPFRecord
}

// SPFCheck is the result of check_host() for one IP address and sender.
type SPFCheck struct {
	IP     string    `json:"ip"`
	Sender string    `json:"sender"`
	Result SPFResult `json:"result"`
	// Path lists the terms that led to the result, outermost first.
	Path []string `json:"path"`
	// Reason explains an error result.
	Reason string `json:"reason,omitempty"`
	// Lookups and VoidLookups are the counts of this evaluation.
	Lookups     int `json:"dns_lookups"`
	VoidLookups int `json:"void_lookups"`
}

// spfWalk evaluates an SPF tree. With env.known it is check_host() for
// one IP (stopping at the first match, RFC 7208 §4.6.2); without, it
// walks every term of the whole tree to count what an evaluation that
// reaches every term costs, which is the figure the 10-lookup limit is
// about.
type spfWalk struct {
	ctx     context.Context
	lk      dnssec.Lookuper
	env     macroEnv
	lookups int
	voids   int
	queries int
	// stop is set by a permerror or temperror, which end the whole
	// evaluation (RFC 7208 §4.6.4, §5).
	stop   SPFResult
	reason string
	path   []string
}

type spfStop struct{}

func (w *spfWalk) fail(r SPFResult, format string, args ...any) {
	if w.stop == "" {
		w.stop, w.reason = r, fmt.Sprintf(format, args...)
	}
	panic(spfStop{})
}

// lookup sends one query; a failure, bogus or indeterminate answer is a
// temperror (RFC 7208 §5: RCODE other than 0 and 3, or a timeout).
func (w *spfWalk) lookup(name string, qtype uint16) *dnssec.Result {
	w.queries++
	res, err := w.lk.Lookup(w.ctx, dns.Fqdn(name), qtype)
	if err != nil {
		w.fail(SPFTemperror, "lookup of %s %s failed: %v", name, dns.TypeToString[qtype], err)
	}
	if failed := lookupFailure(res); failed != "" {
		w.fail(SPFTemperror, "lookup of %s %s %s", name, dns.TypeToString[qtype], failed)
	}
	return res
}

// count charges one term against the limit of 10.
func (w *spfWalk) count(n *SPFNode, t *Term) {
	w.lookups++
	n.Lookups++
	if w.lookups > MaxSPFLookups {
		// RFC 7208 §4.6.4: more than 10 terms that cause DNS lookups
		// is a permerror.
		w.fail(SPFPermerror, "%s at %s is DNS lookup %d, over the limit of %d (RFC 7208 §4.6.4)", t.Text, n.Domain, w.lookups, MaxSPFLookups)
	}
}

// void charges a lookup that found nothing.
func (w *spfWalk) void(name string) {
	w.voids++
	if w.voids > MaxSPFVoidLookups {
		// RFC 7208 §4.6.4: more than 2 void lookups is a permerror.
		w.fail(SPFPermerror, "the lookup of %s is void lookup %d, over the limit of %d (RFC 7208 §4.6.4)", name, w.voids, MaxSPFVoidLookups)
	}
}

// records looks up the SPF record of name: RFC 7208 §4.5, the TXT
// strings of one record are joined (§3.3), exactly one "v=spf1" record
// counts, none is "none", more than one a permerror.
func (w *spfWalk) record(n *SPFNode) *SPFRecord {
	res := w.lookup(n.Domain, dns.TypeTXT)
	n.DNSSEC = res.Security
	var found []string
	for _, rr := range res.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			if s := strings.Join(t.Txt, ""); IsSPFRecord(s) {
				found = append(found, s)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
	default:
		n.Record = found[0]
		n.Error = fmt.Sprintf("%d SPF records", len(found))
		w.fail(SPFPermerror, "%s has %d SPF records (RFC 7208 §4.5)", n.Domain, len(found))
	}
	n.Record = found[0]
	rec, err := ParseSPF(found[0])
	if err != nil {
		n.Error = "invalid record"
		w.fail(SPFPermerror, "the SPF record of %s is invalid %v", n.Domain, err)
	}
	n.parsed = rec
	return rec
}

// checkHost evaluates the record of n.Domain. It returns the result and
// whether a mechanism matched. visiting holds the domains on the path,
// for loop detection.
func (w *spfWalk) checkHost(n *SPFNode, visiting map[string]bool) SPFResult {
	rec := w.record(n)
	if rec == nil {
		return SPFNone
	}
	visiting[n.Domain] = true
	defer delete(visiting, n.Domain)
	matched := SPFResult("")
	for i := range rec.Terms {
		t := &rec.Terms[i]
		if t.Mechanism == "" {
			continue
		}
		if w.match(n, t, visiting) && matched == "" {
			matched = t.Qualifier.Result()
			w.path = append([]string{n.Domain + ": " + t.Text}, w.path...)
			if w.env.known {
				return matched
			}
		}
	}
	if matched != "" {
		return matched
	}
	// RFC 7208 §6.1: redirect applies only when no mechanism matched,
	// and is ignored when the record has an "all" mechanism.
	if rec.Redirect != nil && rec.All() == nil {
		t := rec.Redirect
		w.count(n, t)
		target, ok := w.target(n, t)
		if !ok {
			return SPFNeutral
		}
		child := w.child(n, t, target, visiting)
		r := w.checkHost(child, visiting)
		if r == SPFNone {
			// RFC 7208 §6.1: a redirect target without an SPF record
			// is a permerror.
			child.Error = "no SPF record"
			w.fail(SPFPermerror, "redirect target %s has no SPF record (RFC 7208 §6.1)", target)
		}
		if w.env.known {
			w.path = append([]string{n.Domain + ": " + t.Text}, w.path...)
		}
		return r
	}
	// RFC 7208 §4.7: no match and no redirect is neutral.
	return SPFNeutral
}

// target expands the term's domain-spec (the current domain when it has
// none). ok is false when it depends on the sender.
func (w *spfWalk) target(n *SPFNode, t *Term) (string, bool) {
	if t.Domain == "" {
		return n.Domain, true
	}
	name, depends, err := expandDomain(t.Domain, n.Domain, &w.env)
	if err != nil {
		w.fail(SPFPermerror, "%s at %s: %v", t.Text, n.Domain, err)
	}
	if depends {
		n.DependsOnSender = append(n.DependsOnSender, t.Text)
		return "", false
	}
	name = presentation(name)
	if _, ok := dns.IsDomainName(name); !ok || name == "" || strings.Contains(name, "..") {
		w.fail(SPFPermerror, "%s at %s names %q, not a valid domain name", t.Text, n.Domain, short(name))
	}
	return strings.ToLower(name), true
}

func (w *spfWalk) child(n *SPFNode, t *Term, target string, visiting map[string]bool) *SPFNode {
	c := &SPFNode{Domain: target, Via: t.Text}
	n.Children = append(n.Children, c)
	if visiting[target] {
		c.Error = "loop"
		w.fail(SPFPermerror, "%s at %s loops back to %s", t.Text, n.Domain, target)
	}
	return c
}

// match evaluates one mechanism (RFC 7208 §5). Without a known IP it
// only spends the lookups, and reports no match.
func (w *spfWalk) match(n *SPFNode, t *Term, visiting map[string]bool) bool {
	ip := w.env.ip.Unmap()
	switch t.Mechanism {
	case "all":
		return true
	case "ip4", "ip6":
		return w.env.known && t.Net.Contains(ip)
	case "include":
		w.count(n, t)
		target, ok := w.target(n, t)
		if !ok {
			return false
		}
		child := w.child(n, t, target, visiting)
		switch r := w.checkHost(child, visiting); r {
		case SPFPass:
			// RFC 7208 §5.2: an inner pass is a match.
			return true
		case SPFNone:
			// RFC 7208 §5.2: including a name without an SPF record is
			// a permerror.
			child.Error = "no SPF record"
			w.fail(SPFPermerror, "%s at %s: %s has no SPF record (RFC 7208 §5.2)", t.Text, n.Domain, target)
		}
		return false
	case "a":
		w.count(n, t)
		target, ok := w.target(n, t)
		if !ok {
			return false
		}
		return w.matchAddrs(target, t, ip)
	case "mx":
		w.count(n, t)
		target, ok := w.target(n, t)
		if !ok {
			return false
		}
		res := w.lookup(target, dns.TypeMX)
		var hosts []string
		for _, rr := range res.Answer {
			if mx, ok := rr.(*dns.MX); ok {
				hosts = append(hosts, mx.Mx)
			}
		}
		if len(hosts) == 0 {
			w.void(target)
			return false
		}
		if len(hosts) > maxSPFNames {
			// RFC 7208 §4.6.4: an mx evaluation must not look up more
			// than 10 address records; more MX names is a permerror.
			w.fail(SPFPermerror, "%s at %s: %s has %d MX records, over the limit of %d (RFC 7208 §4.6.4)", t.Text, n.Domain, target, len(hosts), maxSPFNames)
		}
		if !w.env.known {
			return false
		}
		for _, h := range hosts {
			if w.matchAddrsQuiet(strings.TrimSuffix(h, "."), t, ip) {
				return true
			}
		}
		return false
	case "ptr":
		// RFC 7208 §5.5: ptr is deprecated; it needs the IP, and is
		// counted even when not evaluated.
		w.count(n, t)
		if !w.env.known {
			n.DependsOnSender = append(n.DependsOnSender, t.Text)
			return false
		}
		target, ok := w.target(n, t)
		if !ok {
			return false
		}
		return w.matchPTR(target, ip)
	case "exists":
		w.count(n, t)
		target, ok := w.target(n, t)
		if !ok {
			return false
		}
		// RFC 7208 §5.7: exists looks up A records whatever the IP's
		// family.
		res := w.lookup(target, dns.TypeA)
		if !hasType(res, dns.TypeA) {
			w.void(target)
			return false
		}
		return true
	}
	return false
}

func hasType(res *dnssec.Result, qtype uint16) bool {
	for _, rr := range res.Answer {
		if rr.Header().Rrtype == qtype {
			return true
		}
	}
	return false
}

// matchAddrs is the a mechanism: the target's A (or AAAA) records, void
// when none.
func (w *spfWalk) matchAddrs(target string, t *Term, ip netip.Addr) bool {
	types := []uint16{dns.TypeA, dns.TypeAAAA}
	if w.env.known {
		types = types[:1]
		if !ip.Is4() {
			types = []uint16{dns.TypeAAAA}
		}
	}
	any := false
	for _, qt := range types {
		res := w.lookup(target, qt)
		if hasType(res, qt) {
			any = true
			if w.env.known && addrMatch(res, t, ip) {
				return true
			}
			if !w.env.known {
				break
			}
		}
	}
	if !any {
		w.void(target)
	}
	return false
}

// matchAddrsQuiet looks up one MX host's addresses; RFC 7208 §4.6.4
// does not count those lookups as void.
func (w *spfWalk) matchAddrsQuiet(host string, t *Term, ip netip.Addr) bool {
	qt := dns.TypeA
	if !ip.Is4() {
		qt = dns.TypeAAAA
	}
	return addrMatch(w.lookup(host, qt), t, ip)
}

func addrMatch(res *dnssec.Result, t *Term, ip netip.Addr) bool {
	for _, rr := range res.Answer {
		var a netip.Addr
		bits := 0
		switch v := rr.(type) {
		case *dns.A:
			a, _ = netip.AddrFromSlice(v.A.To4())
			bits = 32
			if t.CIDR4 >= 0 {
				bits = t.CIDR4
			}
		case *dns.AAAA:
			a, _ = netip.AddrFromSlice(v.AAAA.To16())
			bits = 128
			if t.CIDR6 >= 0 {
				bits = t.CIDR6
			}
		default:
			continue
		}
		if p, err := a.Prefix(bits); err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}

// matchPTR is RFC 7208 §5.5: the IP's PTR names (at most 10), each
// validated by a forward lookup, match when one is the target or under
// it.
func (w *spfWalk) matchPTR(target string, ip netip.Addr) bool {
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return false
	}
	res := w.lookup(rev, dns.TypePTR)
	var names []string
	for _, rr := range res.Answer {
		if p, ok := rr.(*dns.PTR); ok {
			names = append(names, strings.ToLower(strings.TrimSuffix(p.Ptr, ".")))
		}
	}
	if len(names) == 0 {
		w.void(rev)
		return false
	}
	if len(names) > maxSPFNames {
		names = names[:maxSPFNames] // §4.6.4: the rest are ignored
	}
	for _, name := range names {
		if name != target && !strings.HasSuffix(name, "."+target) {
			continue
		}
		qt := dns.TypeA
		if !ip.Is4() {
			qt = dns.TypeAAAA
		}
		if addrMatch(w.lookup(name, qt), &Term{CIDR4: -1, CIDR6: -1}, ip) {
			return true
		}
	}
	return false
}

// run evaluates from the root and catches the stop of an error result.
func (w *spfWalk) run(root *SPFNode) (r SPFResult) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(spfStop); !ok {
				panic(v)
			}
			r = w.stop
		}
	}()
	return w.checkHost(root, map[string]bool{})
}

// CheckHost evaluates check_host() (RFC 7208 §4) for ip, sender (an
// address or a bare domain) and helo at domain over lk. Every result is a
// value; it never returns an error.
func CheckHost(ctx context.Context, lk dnssec.Lookuper, ip netip.Addr, domain, sender, helo string) *SPFCheck {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if sender == "" {
		sender = "postmaster@" + domain
	}
	local, sdom, ok := strings.Cut(sender, "@")
	if !ok {
		local, sdom = "postmaster", sender
	}
	if local == "" {
		local = "postmaster" // RFC 7208 §4.3
	}
	w := &spfWalk{ctx: ctx, lk: lk, env: macroEnv{known: true, sender: local + "@" + sdom, local: local, sdom: sdom, ip: ip.Unmap(), helo: helo}}
	if w.env.helo == "" {
		w.env.helo = sdom
	}
	root := &SPFNode{Domain: domain}
	r := w.run(root)
	c := &SPFCheck{IP: ip.String(), Sender: w.env.sender, Result: r, Path: w.path, Reason: w.reason, Lookups: w.lookups, VoidLookups: w.voids}
	if r == SPFNeutral && len(c.Path) == 0 {
		c.Reason = "no mechanism matched and there is no redirect (RFC 7208 §4.7)"
	}
	if c.Path == nil {
		c.Path = []string{}
	}
	return c
}

// presentation escapes the characters of an expanded name that the
// zone-file presentation format reserves (RFC 1035 §5.1), so that a
// sender such as "a@b" becomes the label "a\@b" on the wire as the
// macro meant it, and not a name miekg/dns reads differently.
func presentation(name string) string {
	if !strings.ContainsAny(name, "\"$();@\\ ") {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if strings.IndexByte("\"$();@\\ ", name[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	return b.String()
}
