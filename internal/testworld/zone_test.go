package testworld

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestCanonicalOrder checks canonicalKey against the example list of RFC
// 4034 §6.1, given there in canonical order.
func TestCanonicalOrder(t *testing.T) {
	want := []string{
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", `\001.z.example.`, "*.z.example.", `\200.z.example.`,
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	sort.Slice(got, func(i, j int) bool { return canonicalCompare(got[i], got[j]) < 0 })
	if !slices.Equal(got, want) {
		t.Errorf("canonical order\n got %q\nwant %q", got, want)
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"a.example.", "A.EXAMPLE.", 0},
		{".", "a.", -1},
		{"b.", "a.b.", -1},
		{"a.", "a\\000.", -1},    // a shorter label sorts first
		{"z.a.", "a.b.", -1},     // the rightmost label decides
		{"a.x.", "\\200.x.", -1}, // octets compare unsigned
	} {
		if got := canonicalCompare(c.a, c.b); got != c.want {
			t.Errorf("canonicalCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := canonicalCompare(c.b, c.a); got != -c.want {
			t.Errorf("canonicalCompare(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

// TestZoneSignatures verifies every RRSIG stored in every zone of the
// world with miekg/dns's Verify: the ones that should verify do, within
// their validity window, and the deliberately broken ones are broken in
// exactly the intended way.
func TestZoneSignatures(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	now := time.Now()
	for _, z := range d.world.zones {
		if !z.signed {
			for name, n := range z.nodes {
				for typ, s := range n.sets {
					if len(z.sigs(s)) > 0 {
						t.Errorf("unsigned zone %s has RRSIGs at %s %d", z.origin, name, typ)
					}
				}
			}
			continue
		}
		keys := map[uint16][]*dns.DNSKEY{}
		for _, rr := range z.nodes[z.origin].sets[dns.TypeDNSKEY].rrs {
			k := rr.(*dns.DNSKEY)
			keys[k.KeyTag()] = append(keys[k.KeyTag()], k)
		}
		check := func(owner string, typ uint16, s *rrset) {
			sigs := z.sigs(s)
			if len(sigs) == 0 {
				t.Errorf("%s: %s %s unsigned", z.origin, owner, dns.TypeToString[typ])
				return
			}
			for _, rr := range sigs {
				sig := rr.(*dns.RRSIG)
				f := z.spec.Faults
				verified := false
				for _, k := range keys[sig.KeyTag] {
					if sig.Verify(k, s.rrs) == nil {
						verified = true
						if typ == dns.TypeDNSKEY && (k.Flags == flagKSK) == f.DNSKEYNotSignedByKSK {
							t.Errorf("%s: DNSKEY RRset signed by key flags %d", z.origin, k.Flags)
						}
					}
				}
				switch {
				case f.UnsupportedAlgorithm:
					if sig.Algorithm != dns.ECCGOST {
						t.Errorf("%s: algorithm %d", z.origin, sig.Algorithm)
					}
				case f.KeyTrap && typ != dns.TypeDNSKEY:
					if verified {
						t.Errorf("%s: KeyTrap signature verifies", z.origin)
					}
				case !verified:
					t.Errorf("%s: %s %s: RRSIG does not verify", z.origin, owner, dns.TypeToString[typ])
				case sig.ValidityPeriod(now) == (f.ExpiredSigs || f.FutureSigs):
					t.Errorf("%s: %s %s: validity period %v wrong for faults %+v", z.origin, owner, dns.TypeToString[typ], sig.ValidityPeriod(now), f)
				}
				if sig.SignerName != z.origin || sig.OrigTtl != s.rrs[0].Header().Ttl {
					t.Errorf("%s: bad RRSIG fields %v", z.origin, sig)
				}
			}
		}
		for name, n := range z.nodes {
			for typ, s := range n.sets {
				if !z.authoritative(name) || (z.cuts[name] && typ != dns.TypeDS && typ != dns.TypeNSEC) {
					if len(z.sigs(s)) != 0 {
						t.Errorf("%s: non-authoritative %s %s is signed", z.origin, name, dns.TypeToString[typ])
					}
					continue
				}
				check(name, typ, s)
			}
		}
		for _, e := range z.nsec3 {
			check(e.set.rrs[0].Header().Name, dns.TypeNSEC3, e.set)
		}
	}
}

// TestDelegations checks that every zone is delegated from its parent
// with an NS RRset and, when signed, a DS that matches its KSK (or, for
// WrongDS, matches nothing).
func TestDelegations(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	for _, z := range d.world.zones {
		if z.parent == nil {
			if z.origin != "." {
				t.Errorf("%s has no parent", z.origin)
			}
			continue
		}
		pn := z.parent.nodes[z.origin]
		if pn == nil || pn.sets[dns.TypeNS] == nil || !z.parent.cuts[z.origin] {
			t.Errorf("%s: no delegation in %s", z.origin, z.parent.origin)
			continue
		}
		ds := pn.sets[dns.TypeDS]
		if !z.signed {
			if ds != nil {
				t.Errorf("%s: unsigned zone has a DS", z.origin)
			}
			continue
		}
		if ds == nil {
			t.Errorf("%s: signed zone has no DS", z.origin)
			continue
		}
		matched, unknown := false, false
		for _, rr := range ds.rrs {
			want := z.ksk.dnskey.ToDS(rr.(*dns.DS).DigestType)
			if want == nil {
				unknown = true // a digest type nobody can check
				continue
			}
			if strings.EqualFold(want.Digest, rr.(*dns.DS).Digest) {
				matched = true
			}
			if rr.(*dns.DS).KeyTag != z.ksk.tag {
				t.Errorf("%s: DS key tag %d, KSK %d", z.origin, rr.(*dns.DS).KeyTag, z.ksk.tag)
			}
		}
		if unknown && !matched {
			continue
		}
		if matched == z.spec.Faults.WrongDS {
			t.Errorf("%s: DS matched=%v with WrongDS=%v", z.origin, matched, z.spec.Faults.WrongDS)
		}
	}
}

// TestNSECChains checks every NSEC zone: one NSEC per authoritative owner
// with data (none for empty non-terminals and glue), in strictly
// increasing canonical order, each pointing to the next and the last to
// the apex, with bitmaps listing exactly the types present plus NSEC and
// RRSIG.
func TestNSECChains(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	for _, z := range d.world.zones {
		if !z.signed || z.spec.NSEC3 != nil {
			continue
		}
		var want []string
		for name, n := range z.nodes {
			if !n.empty() && z.authoritative(name) {
				want = append(want, name)
			}
		}
		sort.Slice(want, func(i, j int) bool { return refLess(want[i], want[j]) })
		if !slices.Equal(z.nsecOwners, want) {
			t.Errorf("%s: NSEC owners\n got %v\nwant %v", z.origin, z.nsecOwners, want)
			continue
		}
		if want[0] != z.origin {
			t.Errorf("%s: chain does not start at the apex", z.origin)
		}
		for i, name := range want {
			n := z.nodes[name]
			nsec := n.sets[dns.TypeNSEC].rrs[0].(*dns.NSEC)
			if next := want[(i+1)%len(want)]; nsec.NextDomain != next {
				t.Errorf("%s: NSEC %s next %s, want %s", z.origin, name, nsec.NextDomain, next)
			}
			var types []uint16
			for typ := range n.sets {
				if !z.cuts[name] || typ == dns.TypeNS || typ == dns.TypeDS || typ == dns.TypeNSEC {
					types = append(types, typ)
				}
			}
			types = append(types, dns.TypeRRSIG)
			slices.Sort(types)
			if !slices.Equal(nsec.TypeBitMap, types) {
				t.Errorf("%s: NSEC %s bitmap %v, want %v", z.origin, name, nsec.TypeBitMap, types)
			}
			if nsec.Hdr.Ttl != z.negativeTTL() {
				t.Errorf("%s: NSEC TTL %d", z.origin, nsec.Hdr.Ttl)
			}
		}
	}
}

// TestNSEC3Chains checks every NSEC3 zone: one NSEC3 per authoritative
// name including empty non-terminals (minus unsigned delegations under
// opt-out), hashes sorted, next hashes chained and closed, parameters
// equal to the NSEC3PARAM, opt-out flags, and bitmaps.
func TestNSEC3Chains(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	seen := 0
	for _, z := range d.world.zones {
		if !z.signed || z.spec.NSEC3 == nil {
			continue
		}
		seen++
		p := z.spec.NSEC3
		param := z.nodes[z.origin].sets[dns.TypeNSEC3PARAM].rrs[0].(*dns.NSEC3PARAM)
		if param.Iterations != p.Iterations || param.Salt != p.Salt || param.Flags != 0 {
			t.Errorf("%s: NSEC3PARAM %v", z.origin, param)
		}
		byHash := map[string]string{}
		for name, n := range z.nodes {
			if !z.authoritative(name) || (p.OptOut && z.cuts[name] && n.sets[dns.TypeDS] == nil) {
				continue
			}
			byHash[dns.HashName(name, dns.SHA1, p.Iterations, p.Salt)] = name
		}
		if len(z.nsec3) != len(byHash) {
			t.Errorf("%s: %d NSEC3 records, want %d", z.origin, len(z.nsec3), len(byHash))
		}
		for i, e := range z.nsec3 {
			n3 := e.set.rrs[0].(*dns.NSEC3)
			owner := strings.ToUpper(strings.SplitN(n3.Hdr.Name, ".", 2)[0])
			name, ok := byHash[owner]
			if !ok {
				t.Errorf("%s: NSEC3 %s matches no name", z.origin, n3.Hdr.Name)
				continue
			}
			if dns.CanonicalName(strings.SplitN(n3.Hdr.Name, ".", 2)[1]) != z.origin && z.origin != "." {
				t.Errorf("%s: NSEC3 owner %s not directly under the apex", z.origin, n3.Hdr.Name)
			}
			next := z.nsec3[(i+1)%len(z.nsec3)].hash
			if n3.NextDomain != next {
				t.Errorf("%s: NSEC3 next %s, want %s", z.origin, n3.NextDomain, next)
			}
			if i > 0 && z.nsec3[i-1].hash >= e.hash {
				t.Errorf("%s: NSEC3 chain not sorted at %d", z.origin, i)
			}
			if n3.Iterations != p.Iterations || n3.Salt != p.Salt || n3.Hash != dns.SHA1 || (n3.Flags == 1) != p.OptOut {
				t.Errorf("%s: NSEC3 parameters %v", z.origin, n3)
			}
			node := z.nodes[name]
			var types []uint16
			for typ := range node.sets {
				if !z.cuts[name] || typ == dns.TypeNS || typ == dns.TypeDS {
					types = append(types, typ)
				}
			}
			if !node.empty() && (!z.cuts[name] || node.sets[dns.TypeDS] != nil) {
				types = append(types, dns.TypeRRSIG)
			}
			slices.Sort(types)
			if !slices.Equal(n3.TypeBitMap, types) {
				t.Errorf("%s: NSEC3 for %s bitmap %v, want %v", z.origin, name, n3.TypeBitMap, types)
			}
		}
	}
	if seen < 4 {
		t.Errorf("only %d NSEC3 zones", seen)
	}
}

// TestCollidingKey checks that the KeyTrap keys really share the ZSK's
// tag while having different key data.
func TestCollidingKey(t *testing.T) {
	zsk, err := newZoneKey("keytrap.test.", dns.ECDSAP256SHA256, flagZSK)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{zsk.dnskey.PublicKey: true}
	for range 50 {
		k := collidingKey(zsk.dnskey)
		if k.KeyTag() != zsk.tag {
			t.Fatalf("tag %d, want %d", k.KeyTag(), zsk.tag)
		}
		if seen[k.PublicKey] {
			t.Fatal("duplicate key data")
		}
		seen[k.PublicKey] = true
	}
}

// TestParseZoneErrors checks that bad zone specs are refused with a clear
// error instead of producing a broken world.
func TestParseZoneErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		spec ZoneSpec
		want string
	}{
		{"relative origin", ZoneSpec{Origin: "example.test"}, "fully qualified"},
		{"empty origin", ZoneSpec{}, "not a domain name"},
		{"owner outside", ZoneSpec{Origin: "a.test.", Records: []string{"b.test. 300 IN A 192.0.2.1"}}, "outside the zone"},
		{"bad record", ZoneSpec{Origin: "a.test.", Records: []string{"a.test. 300 IN A not-an-address"}}, "record 1"},
		{"generated type", ZoneSpec{Origin: "a.test.", Records: []string{"a.test. 300 IN NSEC b.a.test. A"}}, "generated by the world"},
		{"bad salt", ZoneSpec{Origin: "a.test.", NSEC3: &NSEC3Params{Salt: "xyz"}}, "salt"},
		{"chaos class", ZoneSpec{Origin: "a.test.", Records: []string{"a.test. 300 CH TXT \"x\""}}, "not IN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := StartDNS(DNSOptions{Zones: []ZoneSpec{c.spec}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := StartDNS(DNSOptions{Zones: []ZoneSpec{{Origin: ".", Unsigned: true}}}); err == nil {
		t.Error("an unsigned root was accepted")
	}
}

// TestIndependentVerifiers hands every zone to DNSSEC zone verifiers
// written by other people, ldns-verify-zone (Debian package ldnsutils)
// and BIND's dnssec-verify (bind9-utils): they check every signature, the
// NSEC/NSEC3 chain and the delegations. Fault-free zones must pass; zones
// whose faults are visible in the zone itself must fail.
func TestIndependentVerifiers(t *testing.T) {
	verifiers := []struct {
		bin  string
		args func(origin, file string) []string
		// rejects lists the faults beyond broken signatures that the
		// verifier can see in a zone file.
		rejects func(z *zone) bool
	}{
		{"ldns-verify-zone", func(_, file string) []string { return []string{"-V", "2", file} },
			func(*zone) bool { return false }},
		{"dnssec-verify", func(origin, file string) []string { return []string{"-q", "-o", origin, file} },
			// BIND insists on a self-signed KSK and caps NSEC3
			// iterations at 150 (RFC 9276 §3.2).
			func(z *zone) bool {
				return z.spec.Faults.DNSKEYNotSignedByKSK || (z.spec.NSEC3 != nil && z.spec.NSEC3.Iterations > 150)
			}},
	}
	d := startWorld(t, DNSOptions{})
	dir := t.TempDir()
	for _, v := range verifiers {
		t.Run(v.bin, func(t *testing.T) {
			bin, err := exec.LookPath(v.bin)
			if err != nil {
				// .ci/run installs both, so on CI a missing verifier
				// is a broken setup, not a reason to skip.
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s not installed on CI (.ci/run should apt-get install ldnsutils bind9-utils)", v.bin)
				}
				t.Skipf("%s not installed (apt-get install ldnsutils bind9-utils); CI installs it", v.bin)
			}
			for _, origin := range d.Zones() {
				z := d.world.zones[origin]
				if !z.signed || z.spec.Faults.UnsupportedAlgorithm {
					continue
				}
				text, err := d.ZoneText(origin)
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(dir, strings.TrimSuffix(origin, ".")+"root.zone")
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(bin, v.args(origin, file)...).CombinedOutput()
				f := z.spec.Faults
				wantFail := f.ExpiredSigs || f.FutureSigs || f.StripRRSIG || f.KeyTrap || v.rejects(z)
				switch {
				case err != nil && !wantFail:
					t.Errorf("%s: %s: %v\n%s", origin, v.bin, err, out)
				case err == nil && wantFail:
					t.Errorf("%s: %s accepted a broken zone\n%s", origin, v.bin, out)
				}
			}
		})
	}
}

// TestZoneRecordSyntax checks the conveniences of ZoneSpec.Records:
// relative owners, "@", a default TTL, comments; and that a given SOA sets
// the NSEC TTL (RFC 9077: the lesser of its minimum and its TTL).
func TestZoneRecordSyntax(t *testing.T) {
	d := startWorld(t, DNSOptions{Zones: []ZoneSpec{{Origin: "rel.test.", Records: []string{
		"@ 600 IN SOA ns1 hostmaster 7 3600 600 86400 120",
		"www IN A 192.0.2.80",
		"; a comment",
		"",
		"mail.rel.test. 300 IN MX 10 www",
	}}}})
	z := d.world.zones["rel.test."]
	a := z.nodes["www.rel.test."]
	if a == nil || a.sets[dns.TypeA] == nil || a.sets[dns.TypeA].rrs[0].Header().Ttl != 3600 {
		t.Fatalf("relative owner or default TTL not applied: %v", a)
	}
	if mx := z.nodes["mail.rel.test."].sets[dns.TypeMX].rrs[0].(*dns.MX); mx.Mx != "www.rel.test." {
		t.Errorf("relative MX target %q", mx.Mx)
	}
	if soa := z.nodes["rel.test."].sets[dns.TypeSOA].rrs[0].(*dns.SOA); soa.Serial != 7 {
		t.Errorf("given SOA not used: %v", soa)
	}
	if ttl := z.nodes["www.rel.test."].sets[dns.TypeNSEC].rrs[0].Header().Ttl; ttl != 120 {
		t.Errorf("NSEC TTL %d, want 120 (the SOA minimum)", ttl)
	}
	r := askTCP(t, d, "nope.rel.test.", dns.TypeA)
	if err := newVerifier(t, d).verifyAll(r.Ns); err != nil || r.Rcode != dns.RcodeNameError {
		t.Errorf("NXDOMAIN in the zone: %v %v", err, r)
	}
}

// TestSigningTime checks that DNSOptions.Now sets the validity windows,
// so tests can replay a world as of any date.
func TestSigningTime(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	d := startWorld(t, DNSOptions{Now: now})
	for _, c := range []struct {
		name     string
		inc, exp time.Time
	}{
		{"www.alg13.test.", now.Add(-sigBackdate), now.Add(sigLifetime)},
		{"www.expired.test.", now.Add(-sigLifetime), now.Add(-sigFaultGap)},
		{"www.notyet.test.", now.Add(sigFaultGap), now.Add(sigLifetime)},
	} {
		sigs := sigsFor(askTCP(t, d, c.name, dns.TypeA).Answer, c.name, dns.TypeA)
		if len(sigs) != 1 {
			t.Fatalf("%s: %d RRSIGs", c.name, len(sigs))
		}
		inc, exp := time.Unix(int64(sigs[0].Inception), 0), time.Unix(int64(sigs[0].Expiration), 0)
		if !inc.Equal(c.inc) || !exp.Equal(c.exp) {
			t.Errorf("%s: window %v - %v, want %v - %v", c.name, inc.UTC(), exp.UTC(), c.inc, c.exp)
		}
		if c.name == "www.alg13.test." && (!sigs[0].ValidityPeriod(now) || sigs[0].ValidityPeriod(time.Now())) {
			t.Errorf("%s: valid at Now and not today expected", c.name)
		}
	}
}
