package dnssec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// collidingKeys returns n ED25519 DNSKEYs of zone with random key
// material and the key tag tag: the last two octets of each key are
// chosen to make the tag come out (RFC 4034 Appendix B sums 16-bit
// words, so one word fixes it).
func collidingKeys(t testing.TB, zone string, tag uint16, n int) []*dns.DNSKEY {
	t.Helper()
	var out []*dns.DNSKEY
	for len(out) < n {
		b := make([]byte, 32)
		rand.Read(b)
		k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
			Flags: 257, Protocol: 3, Algorithm: dns.ED25519}
		b[30], b[31] = 0, 0
		k.PublicKey = base64.StdEncoding.EncodeToString(b)
		for w := uint32(0); w < 1<<16; w++ {
			b[30], b[31] = byte(w>>8), byte(w)
			k.PublicKey = base64.StdEncoding.EncodeToString(b)
			if k.KeyTag() == tag {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// TestDSDigestWorkBounded: a DS RRset and a DNSKEY RRset full of records
// sharing one key tag would make a validator that digests every key for
// every DS do DS×DNSKEY hash computations (a KeyTrap variant). The work
// per (key tag, algorithm) is bounded, so the check ends at once, Bogus.
func TestDSDigestWorkBounded(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const nKeys, nDS = 1000, 1000
	keys := collidingKeys(t, "trap.test.", 4242, 8)
	for len(keys) < nKeys {
		keys = append(keys, keys[:min(8, nKeys-len(keys))]...)
	}
	var ds []*dns.DS
	for range nDS {
		d := make([]byte, 32)
		rand.Read(d)
		ds = append(ds, &dns.DS{Hdr: dns.RR_Header{Name: "trap.test.", Rrtype: dns.TypeDS, Class: dns.ClassINET, Ttl: 3600},
			KeyTag: 4242, Algorithm: dns.ED25519, DigestType: dns.SHA256, Digest: hex.EncodeToString(d)})
	}
	msg := new(dns.Msg)
	for _, k := range keys {
		msg.Answer = append(msg.Answer, k)
	}
	st := testState(t, now, nil)
	start := time.Now()
	ci := st.validateKeys("trap.test.", ds, nil, msg, "DS")
	el := time.Since(start)
	if ci.v.sec != Bogus || ci.v.reason != ReasonResourceLimit {
		t.Fatalf("got %s/%s", ci.v.sec, ci.v.reason)
	}
	t.Logf("%v for %d DS x %d DNSKEY", el, nDS, nKeys)
	// The bound is the digest count (maxDSDigests, asserted by the
	// resource-limit reason above), not the time: digesting every pair
	// took about 9 s; BenchmarkKeyTrap-style timing belongs in benchmarks.
}
