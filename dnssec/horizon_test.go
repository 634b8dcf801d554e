package dnssec_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestHorizons looks up a name of the test world, whose signatures are
// made at a fixed reference time, and checks that the answer, and every
// DS and DNSKEY RRset on its chain, carries the expiration of the
// signature that validated it, with its signer; a second lookup in the
// same zone (chain from the cache) still carries the chain's horizons.
func TestHorizons(t *testing.T) {
	ref := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	w := startWorld(t, testworld.DNSOptions{Now: ref})
	r := newResolver(t, w, func(c *dnssec.Config) { c.Now = func() time.Time { return ref.Add(time.Hour) } })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	wantExp := ref.Add(30 * 24 * time.Hour).Truncate(time.Second)
	want := map[string]string{ // owner/type -> signer
		"www.alg8.test./A":  "alg8.test.",
		"alg8.test./DNSKEY": "alg8.test.",
		"alg8.test./DS":     "test.",
		"test./DNSKEY":      "test.",
		"test./DS":          ".",
		"./DNSKEY":          ".",
	}
	for i, q := range []struct {
		name  string
		qtype uint16
	}{{"www.alg8.test.", dns.TypeA}, {"www.alg8.test.", dns.TypeA}} {
		res, err := r.Lookup(ctx, q.name, q.qtype)
		if err != nil || res.Security != dnssec.Secure {
			t.Fatalf("lookup %d: %v %v %s", i, err, res.Security, res.Detail)
		}
		hs := res.Horizons()
		got := map[string]string{}
		for _, h := range hs {
			got[h.Owner+"/"+h.Type] = h.Signer
			if !h.Expiration.Equal(wantExp) || !h.Inception.Equal(ref.Add(-time.Hour)) {
				t.Errorf("lookup %d: %s %s valid %s..%s, want %s..%s", i, h.Owner, h.Type, h.Inception, h.Expiration, ref.Add(-time.Hour), wantExp)
			}
			if h.KeyTag == 0 || h.Algorithm == 0 {
				t.Errorf("lookup %d: %+v lacks key tag or algorithm", i, h)
			}
		}
		for k, signer := range want {
			if got[k] != signer {
				t.Errorf("lookup %d: horizon of %s signed by %q, want %q (all: %v)", i, k, got[k], signer, got)
			}
		}
		if len(got) != len(hs) {
			t.Errorf("lookup %d: %d horizons for %d RRsets: duplicates", i, len(hs), len(got))
		}
	}
}

// TestHorizonsInsecure: an answer that is not Secure has no horizons.
func TestHorizonsInsecure(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	r := newResolver(t, w, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := r.Lookup(ctx, "www.unsigned.nsec3.test.", dns.TypeA)
	if err != nil || res.Security != dnssec.Insecure {
		t.Fatalf("lookup: %v %v", err, res.Security)
	}
	if hs := res.Horizons(); len(hs) != 0 {
		t.Errorf("insecure answer has horizons %+v", hs)
	}
}

func TestMergeHorizons(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(owner, typ string, days int) dnssec.Horizon {
		return dnssec.Horizon{Owner: owner, Type: typ, Signer: "example.", Expiration: t0.AddDate(0, 0, days)}
	}
	got := dnssec.MergeHorizons([]dnssec.Horizon{h("a.example.", "A", 5), h("example.", "DNSKEY", 3)},
		[]dnssec.Horizon{h("A.example.", "A", 2), h("a.example.", "AAAA", 9), h("example.", "DNSKEY", 4)})
	var s []string
	for _, x := range got {
		s = append(s, x.Owner+"/"+x.Type+"/"+x.Expiration.Format("02"))
	}
	if want := "A.example./A/03 example./DNSKEY/04 a.example./AAAA/10"; strings.Join(s, " ") != want {
		t.Errorf("merged %q, want %q", strings.Join(s, " "), want)
	}
}

// TestRemarks checks the hygiene remarks of zones of the test world,
// also when the zone's keys come from the cache (a second lookup).
func TestRemarks(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	cases := []struct {
		name  string
		qtype uint16
		code  dnssec.RemarkCode
		zone  string
	}{
		{"www.alg5.test.", dns.TypeA, dnssec.RemarkSHA1Algorithm, "alg5.test."},
		{"www.alg7.test.", dns.TypeA, dnssec.RemarkSHA1Algorithm, "alg7.test."},
		{"www.ds-sha1.test.", dns.TypeA, dnssec.RemarkSHA1OnlyDS, "ds-sha1.test."},
		{"www.nsec3.test.", dns.TypeAAAA, dnssec.RemarkNSEC3Parameters, "nsec3.test."},
		{"www.alg8.test.", dns.TypeA, dnssec.RemarkRSAKeyShort, "alg8.test."}, // the world's 1024-bit test keys
		{"www.alg10.test.", dns.TypeA, "", ""},                                // 2048-bit keys
		{"www.alg13.test.", dns.TypeA, "", ""},
		{"www.ds-sha384.test.", dns.TypeA, "", ""},
	}
	r := newResolver(t, w, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for pass := 0; pass < 2; pass++ {
		for _, tc := range cases {
			res, err := r.Lookup(ctx, tc.name, tc.qtype)
			if err != nil || res.Security != dnssec.Secure {
				t.Fatalf("%s: %v %v %s", tc.name, err, res.Security, res.Detail)
			}
			rs := res.AllRemarks()
			if tc.code == "" {
				if len(rs) != 0 {
					t.Errorf("pass %d %s: remarks %+v, want none", pass, tc.name, rs)
				}
				continue
			}
			found := false
			for _, x := range rs {
				found = found || (x.Code == tc.code && x.Zone == tc.zone && x.Detail != "")
			}
			if !found {
				t.Errorf("pass %d %s: remarks %+v lack %s for %s", pass, tc.name, rs, tc.code, tc.zone)
			}
		}
		// The next pass uses a cold answer cache but warm key caches:
		// ask other names of the same zones.
		for i := range cases {
			if cases[i].qtype == dns.TypeA {
				cases[i].qtype = dns.TypeTXT
			}
		}
	}
}
