package dnssec

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// sigCache remembers the signatures that verified, so that the same RRset
// (an NSEC record that proves the absence of _mta-sts, _smtp._tls and
// _dmarc of one domain, a DNSKEY RRset met on every chain walk) costs one
// public-key operation per resolver rather than one per lookup. Only the
// cryptographic check is remembered: every other rule of RFC 4035 §5.3.1
// (signer, labels, validity window, key tag) is applied again on each use.
//
// The key is a SHA-256 digest of the DNSKEY, the RRSIG (signature
// included) and the records exactly as they arrived (owner names as
// received, message order), with the records' TTLs left out: miekg's RRSIG.Verify
// is a function of exactly these bytes (it reads the RRSIG's original TTL,
// never the records' TTLs), so a hit answers what Verify would. A
// different order or case of the same RRset only misses the cache.
type sigCache struct {
	lru *lru[struct{}]
	// bufs recycles the packing buffers.
	bufs sync.Pool
}

func newSigCache(size int) *sigCache {
	c := &sigCache{lru: newLRU[struct{}](size)}
	c.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	return c
}

// key digests k, sig and rrs; ok is false when a record does not pack
// (then the caller verifies without the cache). The key and the RRSIG are
// digested field by field, the records packed from copies: packing writes
// the header's length field, and the records are shared with the
// resolver's caches and other lookups.
func (c *sigCache) key(sig *dns.RRSIG, k *dns.DNSKEY, rrs []dns.RR) (key [sha256.Size]byte, ok bool) {
	bp := c.bufs.Get().(*[]byte)
	defer c.bufs.Put(bp)
	h := sha256.New()
	b := (*bp)[:0]
	str := func(s string) {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	str(k.Hdr.Name)
	b = binary.BigEndian.AppendUint16(b, k.Hdr.Class)
	b = binary.BigEndian.AppendUint16(b, k.Flags)
	b = append(b, k.Protocol, k.Algorithm)
	str(k.PublicKey)
	str(sig.Hdr.Name)
	b = binary.BigEndian.AppendUint16(b, sig.Hdr.Class)
	b = binary.BigEndian.AppendUint16(b, sig.TypeCovered)
	b = append(b, sig.Algorithm, sig.Labels)
	b = binary.BigEndian.AppendUint32(b, sig.OrigTtl)
	b = binary.BigEndian.AppendUint32(b, sig.Expiration)
	b = binary.BigEndian.AppendUint32(b, sig.Inception)
	b = binary.BigEndian.AppendUint16(b, sig.KeyTag)
	str(sig.SignerName)
	str(sig.Signature)
	h.Write(b)
	for _, rr := range rrs {
		cp := dns.Copy(rr)
		cp.Header().Ttl = 0 // not signed: RRSIG.Verify uses OrigTtl
		buf := b[:cap(b)]
		n, err := dns.PackRR(cp, buf, 0, nil, false)
		if err != nil {
			buf = make([]byte, dns.Len(cp)+512)
			if n, err = dns.PackRR(cp, buf, 0, nil, false); err != nil {
				return key, false
			}
			b = buf[:0]
		}
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(n))
		h.Write(l[:])
		h.Write(buf[:n])
	}
	*bp = b[:0]
	h.Sum(key[:0])
	return key, true
}

// verify is verifyRRSIG(sig, k, rrs), answered from the cache when the same
// bytes verified before (and the entry has not passed the signature's
// expiration exp on the resolver's clock now).
func (c *sigCache) verify(sig *dns.RRSIG, k *dns.DNSKEY, rrs []dns.RR, now, exp time.Time) error {
	if c == nil {
		return verifyRRSIG(sig, k, rrs)
	}
	key, ok := c.key(sig, k, rrs)
	if !ok {
		return verifyRRSIG(sig, k, rrs)
	}
	if _, hit := c.lru.get(string(key[:]), now); hit {
		return nil
	}
	if err := verifyRRSIG(sig, k, rrs); err != nil {
		return err
	}
	c.lru.put(string(key[:]), struct{}{}, exp)
	return nil
}
