package dnssec

import (
	"testing"

	"github.com/miekg/dns"
)

func TestRSABits(t *testing.T) {
	for _, tc := range []struct {
		alg  uint8
		want int
	}{{dns.RSASHA256, 1024}, {dns.RSASHA1, 1024}, {dns.ECDSAP256SHA256, 0}} {
		k := newTestKey(t, "example.", tc.alg, 257)
		if got := rsaBits(k.pub); got != tc.want {
			t.Errorf("alg %d: %d bits, want %d", tc.alg, got, tc.want)
		}
	}
	bad := &dns.DNSKEY{Algorithm: dns.RSASHA256, PublicKey: "AA=="}
	if got := rsaBits(bad); got != 0 {
		t.Errorf("truncated key: %d bits", got)
	}
}

func TestKeyRemarks(t *testing.T) {
	rsa := newTestKey(t, "example.", dns.RSASHA1, 257).pub
	ec := newTestKey(t, "example.", dns.ECDSAP256SHA256, 257).pub
	sha1DS := ec.ToDS(dns.SHA1)
	sha256DS := ec.ToDS(dns.SHA256)
	codes := func(rs []Remark) map[RemarkCode]bool {
		m := map[RemarkCode]bool{}
		for _, r := range rs {
			m[r.Code] = true
		}
		return m
	}
	got := codes(keyRemarks("example.", []*dns.DS{rsa.ToDS(dns.SHA256)}, []*dns.DNSKEY{rsa}, []*dns.DNSKEY{rsa}))
	if !got[RemarkSHA1Algorithm] || !got[RemarkRSAKeyShort] || got[RemarkSHA1OnlyDS] {
		t.Errorf("RSASHA1 1024-bit key: %v", got)
	}
	if got := codes(keyRemarks("example.", []*dns.DS{sha1DS}, []*dns.DNSKEY{ec}, []*dns.DNSKEY{ec})); len(got) != 1 || !got[RemarkSHA1OnlyDS] {
		t.Errorf("SHA-1 DS only: %v", got)
	}
	if got := codes(keyRemarks("example.", []*dns.DS{sha1DS, sha256DS}, []*dns.DNSKEY{ec}, []*dns.DNSKEY{ec})); len(got) != 0 {
		t.Errorf("SHA-1 and SHA-256 DS: %v", got)
	}
	if got := codes(keyRemarks(".", nil, []*dns.DNSKEY{ec}, []*dns.DNSKEY{ec})); len(got) != 0 {
		t.Errorf("DNSKEY anchor: %v", got)
	}
}

func TestNSEC3Remark(t *testing.T) {
	for _, tc := range []struct {
		it   int
		salt string
		want bool
	}{{0, "", false}, {0, "-", false}, {1, "", true}, {0, "ab", true}, {100, "", true}} {
		if got := nsec3Remark("example.", tc.it, tc.salt).Code != ""; got != tc.want {
			t.Errorf("iterations %d salt %q: remark %v, want %v", tc.it, tc.salt, got, tc.want)
		}
	}
}
