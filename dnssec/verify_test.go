package dnssec

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestVerifyRRsetTraps checks the rules that miekg's RRSIG.Verify does
// not enforce (or enforces with a string suffix), each with a signature
// that is cryptographically valid.
func TestVerifyRRsetTraps(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	z := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{zsk.pub}}
	inc, exp := now.Add(-time.Hour), now.Add(24*time.Hour)

	www := []dns.RR{mustRR(t, "www.example.test. 300 IN A 192.0.2.1")}
	good := zsk.sign(t, www, inc, exp)

	t.Run("valid", func(t *testing.T) {
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: www, sigs: []*dns.RRSIG{good}}, z, nil)
		if res.sec != Secure {
			t.Fatalf("%+v", res.verdict)
		}
		if res.ttl != 300*time.Second {
			t.Errorf("ttl %v", res.ttl)
		}
	})
	t.Run("signer is a string suffix, not an ancestor", func(t *testing.T) {
		bad := []dns.RR{mustRR(t, "www.badexample.test. 300 IN A 192.0.2.1")}
		sig := zsk.sign(t, bad, inc, exp)
		if err := sig.Verify(zsk.pub, bad); err != nil {
			t.Fatalf("miekg rejects it already (%v); the trap is gone", err)
		}
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.badexample.test.", rrtype: dns.TypeA, rrs: bad, sigs: []*dns.RRSIG{sig}}, z, nil)
		if res.sec == Secure {
			t.Fatal("accepted a signer that is not an ancestor of the owner")
		}
	})
	t.Run("labels above the owner's count", func(t *testing.T) {
		sig := *good
		sig.Labels = 4
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: www, sigs: []*dns.RRSIG{&sig}}, z, nil)
		if res.sec == Secure {
			t.Fatal("accepted an RRSIG with too many labels")
		}
	})
	t.Run("expired beyond the skew", func(t *testing.T) {
		sig := zsk.sign(t, www, now.Add(-48*time.Hour), now.Add(-time.Hour))
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: www, sigs: []*dns.RRSIG{sig}}, z, nil)
		if res.reason != ReasonSignatureExpired {
			t.Fatalf("%+v", res.verdict)
		}
	})
	t.Run("expired within the skew", func(t *testing.T) {
		sig := zsk.sign(t, www, now.Add(-48*time.Hour), now.Add(-time.Minute))
		st := testState(t, now, nil)
		if res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: www, sigs: []*dns.RRSIG{sig}}, z, nil); res.sec != Secure {
			t.Fatalf("%+v", res.verdict)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		sig := zsk.sign(t, www, now.Add(time.Hour), now.Add(48*time.Hour))
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: www, sigs: []*dns.RRSIG{sig}}, z, nil)
		if res.reason != ReasonSignatureNotYetValid {
			t.Fatalf("%+v", res.verdict)
		}
	})
	t.Run("TTL capped by original TTL and expiry", func(t *testing.T) {
		rrs := []dns.RR{mustRR(t, "www.example.test. 86400 IN A 192.0.2.1")}
		sig := zsk.sign(t, rrs, inc, now.Add(10*time.Minute))
		sig.OrigTtl = 3600 // re-sign with a smaller original TTL
		sig = func() *dns.RRSIG {
			s := &dns.RRSIG{Hdr: dns.RR_Header{Ttl: 3600}, KeyTag: zsk.pub.KeyTag(), SignerName: "example.test.", Algorithm: zsk.pub.Algorithm,
				Inception: uint32(inc.Unix()), Expiration: uint32(now.Add(10 * time.Minute).Unix())}
			c := []dns.RR{mustRR(t, "www.example.test. 3600 IN A 192.0.2.1")}
			if err := s.Sign(zsk.priv, c); err != nil {
				t.Fatal(err)
			}
			return s
		}()
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: rrs, sigs: []*dns.RRSIG{sig}}, z, nil)
		if res.sec != Secure || res.ttl != 10*time.Minute {
			t.Fatalf("%+v ttl %v", res.verdict, res.ttl)
		}
		if got := capTTLs(rrs, time.Duration(sig.OrigTtl)*time.Second)[0].Header().Ttl; got != 3600 {
			t.Errorf("capped TTL %d", got)
		}
	})
	t.Run("owner case differs between records", func(t *testing.T) {
		m := new(dns.Msg)
		m.Answer = []dns.RR{
			mustRR(t, "WWW.Example.test. 300 IN A 192.0.2.1"),
			mustRR(t, "www.example.TEST. 300 IN A 192.0.2.2"),
		}
		sig := zsk.sign(t, []dns.RR{mustRR(t, "www.example.test. 300 IN A 192.0.2.1"), mustRR(t, "www.example.test. 300 IN A 192.0.2.2")}, inc, exp)
		sig.Hdr.Name = "Www.Example.Test."
		m.Answer = append(m.Answer, sig)
		normaliseMsg(m)
		sets := groupRRsets(m.Answer)
		if len(sets) != 1 || len(sets[0].rrs) != 2 {
			t.Fatalf("grouped into %d sets", len(sets))
		}
		st := testState(t, now, nil)
		if res := st.verifyRRset(sets[0], z, nil); res.sec != Secure {
			t.Fatalf("%+v", res.verdict)
		}
	})
	t.Run("keytrap bound", func(t *testing.T) {
		// Many keys claiming the ZSK's tag: only KeysPerTag are tried.
		var keys []*dns.DNSKEY
		for i := 0; i < 10; i++ {
			k := *zsk.pub
			keys = append(keys, &k) // same tag, same key: each try fails on the bad signature
		}
		sig := *good
		sig.Signature = good.Signature[:len(good.Signature)-4] + "AAAA"
		var sigs []*dns.RRSIG
		for i := 0; i < 12; i++ {
			s := sig
			sigs = append(sigs, &s)
		}
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: www, sigs: sigs}, &zoneKeys{zone: "example.test.", keys: keys}, nil)
		if res.reason != ReasonResourceLimit {
			t.Fatalf("%+v", res.verdict)
		}
		if n := st.verifications.Load(); n > 33 {
			t.Errorf("%d verifications", n)
		}
	})
	t.Run("DNSKEY set must be signed by an allowed key", func(t *testing.T) {
		ksk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 257)
		set := []dns.RR{zsk.pub, ksk.pub}
		sig := zsk.sign(t, set, inc, exp)
		st := testState(t, now, nil)
		res := st.verifyRRset(&rrset{name: "example.test.", rrtype: dns.TypeDNSKEY, rrs: set, sigs: []*dns.RRSIG{sig}},
			&zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{zsk.pub, ksk.pub}}, []*dns.DNSKEY{ksk.pub})
		if res.sec == Secure {
			t.Fatal("accepted a DNSKEY RRset signed only by a key no DS names")
		}
	})
}

// TestWildcardNeedsProof: miekg's Verify accepts a wildcard-expanded
// RRSIG on its own; the validator also demands the denial proof.
func TestWildcardNeedsProof(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	z := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{zsk.pub}}
	wild := []dns.RR{mustRR(t, "*.example.test. 300 IN A 192.0.2.53")}
	sig := zsk.sign(t, wild, now.Add(-time.Hour), now.Add(time.Hour))
	expanded := []dns.RR{mustRR(t, "host.example.test. 300 IN A 192.0.2.53")}
	esig := *sig
	esig.Hdr.Name = "host.example.test."
	if err := esig.Verify(zsk.pub, expanded); err != nil {
		t.Fatalf("miekg rejects the expansion (%v); the trap is gone", err)
	}
	set := &rrset{name: "host.example.test.", rrtype: dns.TypeA, rrs: expanded, sigs: []*dns.RRSIG{&esig}}

	st := testState(t, now, nil)
	st.zones["example.test."] = zoneResult{v: secure, keys: z}
	if v := st.validateSet(t.Context(), set, nil); v.reason != ReasonWildcardProofMissing {
		t.Fatalf("no proof: %+v", v)
	}

	n := nsec("example.test.", "*.example.test.", dns.TypeSOA, dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG, dns.TypeDNSKEY)
	n2 := nsec("*.example.test.", "example.test.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG)
	proof := []dns.RR{n, n2}
	auth := []*rrset{
		{name: "example.test.", rrtype: dns.TypeNSEC, rrs: proof[:1], sigs: []*dns.RRSIG{zsk.sign(t, proof[:1], now.Add(-time.Hour), now.Add(time.Hour))}},
		{name: "*.example.test.", rrtype: dns.TypeNSEC, rrs: proof[1:], sigs: []*dns.RRSIG{zsk.sign(t, proof[1:], now.Add(-time.Hour), now.Add(time.Hour))}},
	}
	st = testState(t, now, nil)
	st.zones["example.test."] = zoneResult{v: secure, keys: z}
	if v := st.validateSet(t.Context(), set, auth); v.sec != Secure {
		t.Fatalf("with proof: %+v", v)
	}
}

// TestDSSetPolicy: unsupported algorithms or digests only make a zone
// Insecure (RFC 4035 §5.2, RFC 6840 §5.2); a supported DS that matches no
// key is Bogus; a DNSKEY set signed by a non-DS key is Bogus.
func TestDSSetPolicy(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ksk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 257)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	set := []dns.RR{ksk.pub, zsk.pub}
	msg := func(signer testKey) *dns.Msg {
		m := new(dns.Msg)
		m.Answer = append(append([]dns.RR{}, set...), signer.sign(t, set, now.Add(-time.Hour), now.Add(time.Hour)))
		return m
	}
	good := ksk.pub.ToDS(dns.SHA256)
	gost := *good
	gost.DigestType = 3
	ed448 := *good
	ed448.Algorithm = dns.ECCGOST // RFC 8624 §3.1: MUST NOT validate
	wrong := *good
	// Another first octet: "00" unless the random key's digest starts
	// with it (1 run in 256 made this case "secure").
	first := "00"
	if strings.HasPrefix(good.Digest, "00") {
		first = "ff"
	}
	wrong.Digest = first + good.Digest[2:]
	for _, tc := range []struct {
		name   string
		ds     []*dns.DS
		msg    *dns.Msg
		sec    Security
		reason Reason
	}{
		{"good", []*dns.DS{good}, msg(ksk), Secure, ""},
		{"unsupported digest only", []*dns.DS{&gost}, msg(ksk), Insecure, ReasonUnsupportedDigest},
		{"unsupported algorithm only", []*dns.DS{&ed448}, msg(ksk), Insecure, ReasonUnsupportedAlgorithm},
		{"unsupported next to good", []*dns.DS{&gost, good}, msg(ksk), Secure, ""},
		{"mismatch", []*dns.DS{&wrong}, msg(ksk), Bogus, ReasonDSMismatch},
		{"signed by the ZSK only", []*dns.DS{good}, msg(zsk), Bogus, ReasonDNSKEYNotSignedByKSK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := testState(t, now, nil)
			ci := st.validateKeys("example.test.", tc.ds, nil, tc.msg, "DS")
			if ci.v.sec != tc.sec || ci.v.reason != tc.reason {
				t.Fatalf("got %s/%s (%s)", ci.v.sec, ci.v.reason, ci.v.why)
			}
		})
	}
}

// TestDNAME: a signed DNAME with its unsigned synthesised CNAME leads to
// the target, which is validated in its own right (RFC 6672 §5.3.3).
func TestDNAME(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	z := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{zsk.pub}}
	inc, exp := now.Add(-time.Hour), now.Add(time.Hour)
	dname := []dns.RR{mustRR(t, "old.example.test. 300 IN DNAME new.example.test.")}
	target := []dns.RR{mustRR(t, "www.new.example.test. 300 IN A 192.0.2.7")}
	msg := new(dns.Msg)
	msg.Answer = []dns.RR{
		dname[0], zsk.sign(t, dname, inc, exp),
		mustRR(t, "www.old.example.test. 300 IN CNAME www.new.example.test."),
		target[0], zsk.sign(t, target, inc, exp),
	}
	st := testState(t, now, nil)
	st.zones["example.test."] = zoneResult{v: secure, keys: z}
	res := &Result{Name: "www.old.example.test.", Type: dns.TypeA, Canonical: "www.old.example.test."}
	v := st.validate(t.Context(), msg, res)
	if v.sec != Secure || res.Canonical != "www.new.example.test." || len(res.Answer) != 2 {
		t.Fatalf("%+v canonical %s answer %v", v, res.Canonical, res.Answer)
	}
	// A forged DNAME signature makes it Bogus.
	bad := *msg.Answer[1].(*dns.RRSIG)
	bad.Signature = target[0].(*dns.A).A.String() + "AAAA"
	msg.Answer[1] = &bad
	st = testState(t, now, nil)
	st.zones["example.test."] = zoneResult{v: secure, keys: z}
	res = &Result{Name: "www.old.example.test.", Type: dns.TypeA, Canonical: "www.old.example.test."}
	if v := st.validate(t.Context(), msg, res); v.sec != Bogus {
		t.Fatalf("forged DNAME: %+v", v)
	}
}
