package dnssec

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// twoZones serves two signed zones, each with its own KSK as a trust
// anchor, from one answer table (as one recursive resolver would), and
// counts the queries per name/TYPE.
func twoZones(t *testing.T, a, b *handZone) (*Resolver, map[string]int) {
	t.Helper()
	for k, m := range b.answers {
		a.answers[k] = m
	}
	r := a.resolver()
	cfg := r.cfg
	cfg.TrustAnchors = []dns.RR{a.key.pub, b.key.pub}
	r2, err := NewResolver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var mu sync.Mutex
	r2.skipProbe = true
	r2.transport = func(ctx context.Context, up, name string, qtype uint16) (*dns.Msg, error) {
		mu.Lock()
		counts[name+"/"+dns.TypeToString[qtype]]++
		mu.Unlock()
		return r.transport(ctx, up, name, qtype)
	}
	return r2, counts
}

// TestCNAMEOutOfBailiwick: a CNAME from example.test. to a name in
// other.test.: the target's data in the same response is validated
// against other.test.'s own keys; when it does not validate (injected,
// stale, or unsigned), the target is asked for on its own, and only the
// answer to that query decides. Data that still does not validate then is
// Bogus; valid data is never blamed for what came along with the CNAME.
func TestCNAMEOutOfBailiwick(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const q = "www.example.test."
	for _, tc := range []struct {
		name     string
		inline   func(a, b *handZone) []dns.RR // the target data sent with the CNAME
		direct   func(b *handZone) []dns.RR    // the answer to the target's own query
		want     Security
		requery  int // queries for the target on its own
		wantAddr string
	}{
		{"inline data valid", func(a, b *handZone) []dns.RR {
			return b.sign(b.rrs("mail.other.test. 300 IN A 192.0.2.25")...)
		}, nil, Secure, 0, "192.0.2.25"},
		{"inline data signed with the wrong zone's key", func(a, b *handZone) []dns.RR {
			rrs := a.sign(a.rrs("mail.other.test. 300 IN A 192.0.2.66")...)
			rrs[1].(*dns.RRSIG).SignerName = "other.test."
			return rrs
		}, func(b *handZone) []dns.RR {
			return b.sign(b.rrs("mail.other.test. 300 IN A 192.0.2.25")...)
		}, Secure, 1, "192.0.2.25"},
		{"inline data unsigned", func(a, b *handZone) []dns.RR {
			return b.rrs("mail.other.test. 300 IN A 192.0.2.66")
		}, func(b *handZone) []dns.RR {
			return b.sign(b.rrs("mail.other.test. 300 IN A 192.0.2.25")...)
		}, Secure, 1, "192.0.2.25"},
		{"inline and direct data both forged", func(a, b *handZone) []dns.RR {
			return b.rrs("mail.other.test. 300 IN A 192.0.2.66")
		}, func(b *handZone) []dns.RR {
			return b.rrs("mail.other.test. 300 IN A 192.0.2.66")
		}, Bogus, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newHandZone(t, "example.test.", now)
			b := newHandZone(t, "other.test.", now)
			ans := a.sign(a.rrs("www.example.test. 300 IN CNAME mail.other.test.")...)
			ans = append(ans, tc.inline(a, b)...)
			a.answer(q, dns.TypeA, dns.RcodeSuccess, ans, nil)
			if tc.direct != nil {
				b.answer("mail.other.test.", dns.TypeA, dns.RcodeSuccess, tc.direct(b), nil)
			}
			// other.test. proves mail.other.test. is no delegation, for the
			// unsigned cases.
			ns := b.sign(b.rrs("other.test. 300 IN SOA ns.other.test. h.other.test. 1 7200 3600 1209600 300")...)
			ns = append(ns, b.sign(b.rrs("mail.other.test. 300 IN NSEC other.test. A RRSIG NSEC")...)...)
			b.answer("mail.other.test.", dns.TypeDS, dns.RcodeSuccess, nil, ns)
			r, counts := twoZones(t, a, b)
			res, err := r.Lookup(context.Background(), q, dns.TypeA)
			if err != nil {
				t.Fatal(err)
			}
			if res.Security != tc.want {
				t.Fatalf("got %s/%s (%s), want %s", res.Security, res.Reason, res.Detail, tc.want)
			}
			if n := counts["mail.other.test./A"]; n != tc.requery {
				t.Errorf("%d queries for the target on its own, want %d", n, tc.requery)
			}
			if tc.wantAddr != "" {
				var got string
				for _, rr := range res.Answer {
					if a, ok := rr.(*dns.A); ok {
						got = a.A.String()
					}
				}
				if got != tc.wantAddr {
					t.Errorf("address %q, want %q (%v)", got, tc.wantAddr, res.Answer)
				}
			}
		})
	}
}

// TestDSQueryAnsweredWithCNAME: the parent-side answer to "name DS" for a
// name that is a CNAME owner there is the CNAME (and whatever its target
// has): a CNAME the parent signed proves name is no zone cut, one with a
// bad signature is Bogus, and the target's DS never counts for name.
func TestDSQueryAnsweredWithCNAME(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	pk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 257)
	parent := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{pk.pub}}
	other := newTestKey(t, "child.example.test.", dns.ECDSAP256SHA256, 257)
	cname := mustRR(t, "alias.example.test. 300 IN CNAME child.example.test.")
	ds := other.pub.ToDS(dns.SHA256)
	ds.Hdr.Ttl = 300
	for _, tc := range []struct {
		name string
		sig  func() *dns.RRSIG
		want cutKind
	}{
		{"signed by the parent", func() *dns.RRSIG { return pk.sign(t, []dns.RR{cname}, now.Add(-time.Hour), now.Add(time.Hour)) }, cutNone},
		{"forged signature", func() *dns.RRSIG {
			s := pk.sign(t, []dns.RR{cname}, now.Add(-time.Hour), now.Add(time.Hour))
			s.Signature = other.sign(t, []dns.RR{cname}, now.Add(-time.Hour), now.Add(time.Hour)).Signature
			return s
		}, cutBogus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := new(dns.Msg)
			msg.Answer = []dns.RR{cname, tc.sig(), ds, pk.sign(t, []dns.RR{ds}, now.Add(-time.Hour), now.Add(time.Hour))}
			st := testState(t, now, nil)
			ci := st.validateCut("alias.example.test.", parent, fetched{msg: msg}, fetched{msg: new(dns.Msg)})
			if ci.kind != tc.want {
				t.Fatalf("got kind %d %s/%s (%s), want %d", ci.kind, ci.v.sec, ci.v.reason, ci.v.why, tc.want)
			}
		})
	}
}
