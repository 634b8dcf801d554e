package testworld

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestDNSScenarioCatalogue checks the catalogue itself: unique names,
// known security values, reasons only where they belong.
func TestDNSScenarioCatalogue(t *testing.T) {
	seen := map[string]bool{}
	want := []string{"secure-alg5", "secure-alg7", "secure-alg8", "secure-alg10", "secure-alg13",
		"secure-alg14", "secure-alg15", "insecure-nsec", "insecure-nsec3", "insecure-nsec3-optout",
		"nxdomain-nsec", "nodata-nsec", "nxdomain-nsec3", "nodata-nsec3", "nodata-nsec3-tlsa",
		"wildcard-nsec", "wildcard-proof-missing", "cname-signed", "cname-unsigned", "expired-sigs",
		"future-sigs", "ds-mismatch", "dnskey-not-signed-by-ksk", "missing-rrsig",
		"unsupported-algorithm", "nsec3-iterations-too-high", "keytrap", "bench-tlsa"}
	for _, s := range DNSScenarios() {
		if seen[s.Name] {
			t.Errorf("duplicate scenario %s", s.Name)
		}
		seen[s.Name] = true
		switch s.Security {
		case "secure":
			if s.Reason != "" {
				t.Errorf("%s: secure with reason %q", s.Name, s.Reason)
			}
		case "insecure", "bogus":
			if s.Reason == "" {
				t.Errorf("%s: %s without a reason", s.Name, s.Security)
			}
		default:
			t.Errorf("%s: unknown security %q", s.Name, s.Security)
		}
		if !dns.IsFqdn(s.Qname) {
			t.Errorf("%s: qname %q not fully qualified", s.Name, s.Qname)
		}
	}
	for _, n := range want {
		if !seen[n] {
			t.Errorf("catalogue lacks scenario %s", n)
		}
	}
	// A fresh slice each call: changing one must not change the next.
	a := DNSScenarios()
	a[0].Name = "changed"
	if DNSScenarios()[0].Name == "changed" {
		t.Error("DNSScenarios returns shared state")
	}
}

// insecureCuts names the unsigned delegation each insecure scenario
// crosses.
var insecureCuts = map[string]string{
	"insecure-nsec":         "unsigned.nsec.test.",
	"insecure-nsec3":        "unsigned.nsec3.test.",
	"insecure-nsec3-optout": "unsigned.optout.test.",
	"cname-unsigned":        "unsigned.nsec.test.",
}

// TestDNSScenarios asks every scenario's question and checks, with the
// test's own verifier, that the response really supports the expected
// outcome: secure answers verify up to the trust anchor with correct
// denial proofs, insecure ones cross a provably unsigned delegation, and
// bogus ones carry exactly the intended defect.
func TestDNSScenarios(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	v := newVerifier(t, d)
	for _, s := range DNSScenarios() {
		t.Run(s.Name, func(t *testing.T) {
			v.t = t
			r := askTCP(t, d, s.Qname, s.Qtype)
			if r.Rcode != s.Rcode {
				t.Fatalf("rcode %s, want %s\n%v", dns.RcodeToString[r.Rcode], dns.RcodeToString[s.Rcode], r)
			}
			switch s.Security {
			case "secure":
				if err := v.verifyAll(r.Answer, r.Ns); err != nil {
					t.Fatalf("signatures: %v\n%v", err, r)
				}
				checkSecureShape(t, s, r)
			case "insecure":
				checkInsecure(t, v, d, s, r)
			case "bogus":
				checkBogus(t, v, d, s, r)
			}
		})
	}
}

// finalName follows the CNAME chain in the answer section.
func finalName(qname string, answer []dns.RR) string {
	name := dns.CanonicalName(qname)
	for range 20 {
		next := ""
		for _, rr := range answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
				next = dns.CanonicalName(c.Target)
			}
		}
		if next == "" {
			return name
		}
		name = next
	}
	return name
}

// checkSecureShape checks the answer or denial proof of a secure
// scenario independently of the world's code.
func checkSecureShape(t *testing.T, s DNSScenario, r *dns.Msg) {
	t.Helper()
	name := finalName(s.Qname, r.Answer)
	nodata := strings.Contains(s.Name, "nodata")
	nsecs := rrsOf(r.Ns, dns.TypeNSEC)
	nsec3s := rrsOf(r.Ns, dns.TypeNSEC3)
	switch {
	case r.Rcode == dns.RcodeSuccess && !nodata:
		set := rrsetOf(r.Answer, name, s.Qtype)
		if len(set) == 0 {
			t.Fatalf("no %s RRset at %s\n%v", dns.TypeToString[s.Qtype], name, r)
		}
		// Every wildcard-synthesised RRset, CNAME links included, needs
		// its proof that no closer name exists.
		wildcards := 0
		for _, rr := range rrsOf(r.Answer, dns.TypeRRSIG) {
			sig := rr.(*dns.RRSIG)
			if int(sig.Labels) < dns.CountLabel(sig.Hdr.Name) {
				wildcards++
				checkWildcardProof(t, sig.Hdr.Name, int(sig.Labels), nsecs, nsec3s)
			}
		}
		if wildcards == 0 && len(nsecs)+len(nsec3s) != 0 {
			t.Errorf("denial records in a plain positive answer\n%v", r)
		}
	case r.Rcode == dns.RcodeNameError:
		checkNXDOMAINProof(t, name, nsecs, nsec3s)
	case nodata:
		if len(rrsetOf(r.Answer, name, s.Qtype)) != 0 {
			t.Fatalf("NODATA scenario has data")
		}
		if len(rrsOf(r.Ns, dns.TypeSOA)) != 1 {
			t.Errorf("NODATA without SOA")
		}
		checkNODATAProof(t, name, s.Qtype, nsecs, nsec3s)
	}
}

// closestEncloserNSEC derives the closest encloser from an NSEC covering
// qname: the longer common ancestor of qname with the NSEC's owner and
// next name (RFC 4592 §3.3.1 applied to the NSEC chain).
func closestEncloserNSEC(qname string, n *dns.NSEC) string {
	ce := "."
	for _, other := range []string{n.Hdr.Name, n.NextDomain} {
		c := dns.CompareDomainName(qname, other)
		if c > dns.CountLabel(ce) {
			ce = ancestorAt(qname, c)
		}
	}
	return ce
}

func checkWildcardProof(t *testing.T, qname string, labels int, nsecs, nsec3s []dns.RR) {
	t.Helper()
	if len(nsecs) > 0 {
		// RFC 4035 §3.1.3.3.
		for _, rr := range nsecs {
			if nsecCovers(rr.(*dns.NSEC), qname) {
				return
			}
		}
		t.Fatalf("no NSEC covers %s", qname)
	}
	// RFC 5155 §7.2.6: an NSEC3 covering the next closer name.
	nc := ancestorAt(qname, labels+1)
	for _, rr := range nsec3s {
		if nsec3Covers(rr.(*dns.NSEC3), nc) {
			return
		}
	}
	t.Fatalf("no NSEC3 covers next closer %s", nc)
}

func checkNXDOMAINProof(t *testing.T, qname string, nsecs, nsec3s []dns.RR) {
	t.Helper()
	if len(nsecs) > 0 {
		// RFC 4035 §3.1.3.2: qname and the wildcard at the closest
		// encloser are covered.
		var ce string
		for _, rr := range nsecs {
			if n := rr.(*dns.NSEC); nsecCovers(n, qname) {
				ce = closestEncloserNSEC(qname, n)
			}
		}
		if ce == "" {
			t.Fatalf("no NSEC covers %s", qname)
		}
		wild := "*." + ce
		for _, rr := range nsecs {
			if nsecCovers(rr.(*dns.NSEC), wild) {
				return
			}
		}
		t.Fatalf("no NSEC covers wildcard %s", wild)
	}
	ce := nsec3ClosestEncloser(t, qname, nsec3s)
	wild := "*." + ce
	for _, rr := range nsec3s {
		if nsec3Covers(rr.(*dns.NSEC3), wild) {
			return
		}
	}
	t.Fatalf("no NSEC3 covers wildcard %s", wild)
}

// nsec3ClosestEncloser checks the closest encloser proof (RFC 5155 §8.3):
// an NSEC3 matches an ancestor, another covers the next closer name.
func nsec3ClosestEncloser(t *testing.T, qname string, nsec3s []dns.RR) string {
	t.Helper()
	if len(nsec3s) == 0 {
		t.Fatalf("no NSEC3 records")
	}
	for ce := parentName(qname); ; ce = parentName(ce) {
		for _, rr := range nsec3s {
			if nsec3Matches(rr.(*dns.NSEC3), ce) {
				nc := nextCloser(qname, ce)
				for _, rr := range nsec3s {
					if nsec3Covers(rr.(*dns.NSEC3), nc) {
						return ce
					}
				}
				t.Fatalf("closest encloser %s matched, next closer %s not covered", ce, nc)
			}
		}
		if ce == "." {
			t.Fatalf("no closest encloser of %s proven", qname)
		}
	}
}

func checkNODATAProof(t *testing.T, qname string, qtype uint16, nsecs, nsec3s []dns.RR) {
	t.Helper()
	if len(nsecs) > 0 {
		for _, rr := range nsecs {
			n := rr.(*dns.NSEC)
			if strings.EqualFold(n.Hdr.Name, qname) {
				if hasType(n.TypeBitMap, qtype) || hasType(n.TypeBitMap, dns.TypeCNAME) {
					t.Fatalf("matching NSEC lists %s or CNAME: %v", dns.TypeToString[qtype], n)
				}
				return
			}
			// RFC 4035 §3.1.3.2: an empty non-terminal is proven by the
			// NSEC whose next name lies below qname.
			if nsecCovers(n, qname) && dns.IsSubDomain(qname, n.NextDomain) {
				return
			}
		}
		// Wildcard NODATA (RFC 4035 §3.1.3.4): qname covered, and the
		// wildcard's NSEC lacks the type.
		for _, rr := range nsecs {
			n := rr.(*dns.NSEC)
			if !nsecCovers(n, qname) {
				continue
			}
			wild := "*." + closestEncloserNSEC(qname, n)
			for _, rr := range nsecs {
				w := rr.(*dns.NSEC)
				if strings.EqualFold(w.Hdr.Name, wild) && !hasType(w.TypeBitMap, qtype) {
					return
				}
			}
		}
		t.Fatalf("no NSEC proves NODATA for %s", qname)
	}
	for _, rr := range nsec3s {
		n := rr.(*dns.NSEC3)
		if nsec3Matches(n, qname) {
			// RFC 5155 §8.5.
			if hasType(n.TypeBitMap, qtype) || hasType(n.TypeBitMap, dns.TypeCNAME) {
				t.Fatalf("matching NSEC3 lists %s or CNAME", dns.TypeToString[qtype])
			}
			return
		}
	}
	// RFC 5155 §8.7: wildcard NODATA.
	ce := nsec3ClosestEncloser(t, qname, nsec3s)
	for _, rr := range nsec3s {
		n := rr.(*dns.NSEC3)
		if nsec3Matches(n, "*."+ce) && !hasType(n.TypeBitMap, qtype) {
			return
		}
	}
	t.Fatalf("no NSEC3 proves NODATA for %s", qname)
}

// checkInsecure checks an insecure scenario: the answer comes unsigned,
// and the reason is visible in the chain.
func checkInsecure(t *testing.T, v *verifier, d *DNS, s DNSScenario, r *dns.Msg) {
	t.Helper()
	switch s.Reason {
	case reasonUnsignedDelegation:
		cut := insecureCuts[s.Name]
		if cut == "" {
			t.Fatalf("no insecure cut listed for %s", s.Name)
		}
		name := finalName(s.Qname, r.Answer)
		if len(rrsetOf(r.Answer, name, s.Qtype)) == 0 || len(sigsFor(r.Answer, name, s.Qtype)) != 0 {
			t.Fatalf("want an unsigned %s RRset at %s\n%v", dns.TypeToString[s.Qtype], name, r)
		}
		ds := askTCP(t, d, cut, dns.TypeDS)
		if ds.Rcode != dns.RcodeSuccess || len(rrsOf(ds.Answer, dns.TypeDS)) != 0 {
			t.Fatalf("DS %s: want NODATA\n%v", cut, ds)
		}
		if err := v.verifyAll(ds.Ns); err != nil {
			t.Fatalf("DS %s proof signatures: %v", cut, err)
		}
		checkNoDSProof(t, cut, ds)
	case reasonUnsupportedAlg:
		ds := askTCP(t, d, parentName(finalName(s.Qname, nil)), dns.TypeDS)
		set := rrsOf(ds.Answer, dns.TypeDS)
		if len(set) == 0 {
			t.Fatalf("no DS\n%v", ds)
		}
		if err := v.verifyAll(ds.Answer); err != nil {
			t.Fatalf("DS signatures: %v", err)
		}
		for _, rr := range set {
			if rr.(*dns.DS).Algorithm != dns.ECCGOST {
				t.Errorf("DS algorithm %d, want only 12", rr.(*dns.DS).Algorithm)
			}
		}
		for _, sig := range sigsFor(r.Answer, s.Qname, s.Qtype) {
			if sig.Algorithm != dns.ECCGOST {
				t.Errorf("RRSIG algorithm %d, want 12", sig.Algorithm)
			}
		}
	case reasonUnsupportedDigest:
		zone := parentName(s.Qname)
		ds := askTCP(t, d, zone, dns.TypeDS)
		set := rrsOf(ds.Answer, dns.TypeDS)
		if len(set) == 0 {
			t.Fatalf("no DS\n%v", ds)
		}
		if err := v.verifyAll(ds.Answer); err != nil {
			t.Fatalf("DS signatures: %v", err)
		}
		for _, rr := range set {
			switch rr.(*dns.DS).DigestType {
			case dns.SHA1, dns.SHA256, dns.SHA384:
				t.Errorf("supported digest type in %v", rr)
			}
		}
		if err := v.verifyAll(r.Answer); err == nil || !strings.Contains(err.Error(), "no DNSKEY matches") {
			t.Errorf("answer should not verify through the DS: %v", err)
		}
	case reasonIterations:
		if err := v.verifyAll(r.Ns); err != nil {
			t.Fatalf("the proof must be validly signed: %v", err)
		}
		n3 := rrsOf(r.Ns, dns.TypeNSEC3)
		if len(n3) == 0 {
			t.Fatal("no NSEC3 in the proof")
		}
		for _, rr := range n3 {
			if it := rr.(*dns.NSEC3).Iterations; it <= 150 {
				t.Errorf("iterations %d, want above 150", it)
			}
		}
		checkNXDOMAINProof(t, s.Qname, nil, n3)
	default:
		t.Fatalf("no check for insecure reason %q", s.Reason)
	}
}

// checkNoDSProof checks the denial of a DS at a delegation point (RFC
// 4035 §5.2, RFC 5155 §8.6).
func checkNoDSProof(t *testing.T, cut string, r *dns.Msg) {
	t.Helper()
	for _, rr := range rrsOf(r.Ns, dns.TypeNSEC) {
		n := rr.(*dns.NSEC)
		if strings.EqualFold(n.Hdr.Name, cut) {
			if !hasType(n.TypeBitMap, dns.TypeNS) || hasType(n.TypeBitMap, dns.TypeDS) || hasType(n.TypeBitMap, dns.TypeSOA) {
				t.Fatalf("NSEC at the cut has the wrong bitmap: %v", n)
			}
			return
		}
	}
	n3 := rrsOf(r.Ns, dns.TypeNSEC3)
	for _, rr := range n3 {
		n := rr.(*dns.NSEC3)
		if nsec3Matches(n, cut) {
			if !hasType(n.TypeBitMap, dns.TypeNS) || hasType(n.TypeBitMap, dns.TypeDS) || hasType(n.TypeBitMap, dns.TypeSOA) {
				t.Fatalf("NSEC3 at the cut has the wrong bitmap: %v", n)
			}
			return
		}
	}
	if len(n3) == 0 {
		t.Fatalf("no NSEC/NSEC3 proves the missing DS at %s\n%v", cut, r)
	}
	// RFC 5155 §8.6: opt-out: the next closer name is covered by an NSEC3
	// with the opt-out flag.
	ce := nsec3ClosestEncloser(t, cut, n3)
	nc := nextCloser(cut, ce)
	for _, rr := range n3 {
		n := rr.(*dns.NSEC3)
		if nsec3Covers(n, nc) && n.Flags&1 == 1 {
			return
		}
	}
	t.Fatalf("next closer %s not covered by an opt-out NSEC3", nc)
}

// checkBogus checks that a bogus scenario carries its intended defect
// and only that: everything above the broken zone verifies.
func checkBogus(t *testing.T, v *verifier, d *DNS, s DNSScenario, r *dns.Msg) {
	t.Helper()
	if s.Reason == reasonCNAMEChain {
		if err := v.verifyAll(r.Answer); err != nil {
			t.Fatalf("every link must be validly signed: %v", err)
		}
		if n := len(rrsOf(r.Answer, dns.TypeCNAME)); n != cnameChainLinks {
			t.Fatalf("%d CNAME links, want %d", n, cnameChainLinks)
		}
		if len(rrsetOf(r.Answer, finalName(s.Qname, r.Answer), s.Qtype)) == 0 {
			t.Fatalf("chain does not end in data\n%v", r)
		}
		return
	}
	set := rrsetOf(r.Answer, s.Qname, s.Qtype)
	sigs := sigsFor(r.Answer, s.Qname, s.Qtype)
	zone := parentName(s.Qname)
	if len(sigs) > 0 {
		zone = dns.CanonicalName(sigs[0].SignerName)
	}
	if len(set) == 0 {
		t.Fatalf("no answer\n%v", r)
	}
	keysMsg := askTCP(t, d, zone, dns.TypeDNSKEY)
	var keys []*dns.DNSKEY
	for _, rr := range rrsOf(keysMsg.Answer, dns.TypeDNSKEY) {
		keys = append(keys, rr.(*dns.DNSKEY))
	}
	verifies := func(sig *dns.RRSIG, rrs []dns.RR) bool {
		for _, k := range keys {
			if k.KeyTag() == sig.KeyTag && k.Algorithm == sig.Algorithm && sig.Verify(k, rrs) == nil {
				return true
			}
		}
		return false
	}
	dsMsg := askTCP(t, d, zone, dns.TypeDS)
	if err := v.verifyAll(dsMsg.Answer); err != nil || len(rrsOf(dsMsg.Answer, dns.TypeDS)) == 0 {
		t.Fatalf("the parent must publish a valid DS for %s: %v\n%v", zone, err, dsMsg)
	}
	now := time.Now()
	switch s.Reason {
	case reasonExpired, reasonNotYetValid:
		if len(sigs) == 0 {
			t.Fatal("no RRSIG")
		}
		for _, sig := range sigs {
			if !verifies(sig, set) {
				t.Errorf("RRSIG does not verify cryptographically")
			}
			exp := time.Unix(int64(sig.Expiration), 0)
			inc := time.Unix(int64(sig.Inception), 0)
			if s.Reason == reasonExpired && !exp.Before(now.Add(-24*time.Hour)) {
				t.Errorf("expiration %v not well in the past", exp)
			}
			if s.Reason == reasonNotYetValid && !inc.After(now.Add(24*time.Hour)) {
				t.Errorf("inception %v not well in the future", inc)
			}
		}
	case reasonDSMismatch:
		if _, err := v.zoneKeys(zone); err == nil || !strings.Contains(err.Error(), "no DNSKEY matches") {
			t.Fatalf("want a DS that matches no DNSKEY, got %v", err)
		}
		for _, sig := range sigs {
			if !verifies(sig, set) {
				t.Errorf("answer RRSIG does not verify with the zone's own keys")
			}
		}
	case reasonNotSignedByKSK:
		if _, err := v.zoneKeys(zone); err == nil || !strings.Contains(err.Error(), "not signed by a DS-matched key") {
			t.Fatalf("want a DNSKEY RRset not signed by the DS key, got %v", err)
		}
		keySigs := sigsFor(keysMsg.Answer, zone, dns.TypeDNSKEY)
		if len(keySigs) == 0 {
			t.Fatal("DNSKEY RRset unsigned")
		}
		for _, sig := range keySigs {
			for _, k := range keys {
				if k.KeyTag() == sig.KeyTag && k.Flags != flagZSK {
					t.Errorf("DNSKEY RRset signed by key %d with flags %d", k.KeyTag(), k.Flags)
				}
			}
		}
	case reasonMissingRRSIG:
		if _, err := v.zoneKeys(zone); err != nil {
			t.Fatalf("the zone's keys must validate: %v", err)
		}
		if len(sigs) != 0 || len(rrsOf(r.Answer, dns.TypeRRSIG)) != 0 {
			t.Fatalf("answer carries RRSIGs\n%v", r)
		}
	case reasonWildcardProof:
		if err := v.verifyAll(r.Answer); err != nil {
			t.Fatalf("answer signatures: %v", err)
		}
		if len(sigs) == 0 || int(sigs[0].Labels) >= dns.CountLabel(s.Qname) {
			t.Fatalf("want a wildcard-expanded signature\n%v", r)
		}
		if len(rrsOf(r.Ns, dns.TypeNSEC))+len(rrsOf(r.Ns, dns.TypeNSEC3)) != 0 {
			t.Fatalf("proof present\n%v", r)
		}
	case reasonResourceLimit:
		if _, err := v.zoneKeys(zone); err != nil {
			t.Fatalf("the KeyTrap zone's DNSKEY RRset must validate: %v", err)
		}
		if len(sigs) < keyTrapSigs {
			t.Fatalf("%d RRSIGs, want at least %d", len(sigs), keyTrapSigs)
		}
		colliding := 0
		for _, k := range keys {
			if k.KeyTag() == sigs[0].KeyTag {
				colliding++
			}
		}
		if colliding < keyTrapKeys {
			t.Fatalf("%d keys share tag %d, want at least %d", colliding, sigs[0].KeyTag, keyTrapKeys)
		}
		start := time.Now()
		for _, sig := range sigs {
			if sig.KeyTag != sigs[0].KeyTag || verifies(sig, set) {
				t.Fatalf("want only bogus signatures with one tag, got %v", sig)
			}
		}
		t.Logf("an unbounded validator tries %d signatures x %d keys (%v here)", len(sigs), colliding, time.Since(start))
	default:
		t.Fatalf("no check for bogus reason %q", s.Reason)
	}
}
