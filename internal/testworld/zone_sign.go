package testworld

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Signature validity windows relative to the world's reference time. The
// inception lies an hour back so a validator whose clock is slightly
// behind still accepts the signatures; faulty zones are off by two days,
// far beyond any clock-skew allowance.
const (
	sigBackdate = time.Hour
	sigLifetime = 30 * 24 * time.Hour
	sigFaultGap = 48 * time.Hour
)

// makeKeys creates the zone's KSK and ZSK (and the KeyTrap zone's
// colliding keys). Unsigned zones have none.
func (z *zone) makeKeys() error {
	if !z.signed {
		return nil
	}
	var err error
	if z.ksk, err = newZoneKey(z.origin, z.spec.Algorithm, flagKSK); err != nil {
		return err
	}
	if z.zsk, err = newZoneKey(z.origin, z.spec.Algorithm, flagZSK); err != nil {
		return err
	}
	if z.ksk.tag == z.zsk.tag {
		// A KSK/ZSK tag collision would blur the dnskey-not-signed-by-ds-key
		// scenario; make a new ZSK (only ever needed for random keys).
		if z.zsk, err = newZoneKey(z.origin, z.spec.Algorithm, flagZSK); err != nil {
			return err
		}
	}
	if z.spec.Faults.KeyTrap {
		for range keyTrapKeys {
			z.trapKeys = append(z.trapKeys, collidingKey(z.zsk.dnskey))
		}
	}
	return nil
}

// collidingKey returns a DNSKEY with random public key data whose key tag
// (RFC 4034 Appendix B) equals that of k: the last two octets of the key
// are chosen to make the checksum come out right. The key is not a valid
// curve point or modulus, which a validator only finds out by trying it.
func collidingKey(k *dns.DNSKEY) *dns.DNSKEY {
	want := k.KeyTag()
	pub := randomBytes(fakeKeyLen(k.Algorithm))
	rdata := make([]byte, 4+len(pub))
	binary.BigEndian.PutUint16(rdata, k.Flags)
	rdata[2], rdata[3] = k.Protocol, k.Algorithm
	copy(rdata[4:], pub)
	last := len(rdata) - 2 // an even offset: the last 16-bit word
	var sum uint32
	for i := 0; i < last; i++ {
		if i&1 == 0 {
			sum += uint32(rdata[i]) << 8
		} else {
			sum += uint32(rdata[i])
		}
	}
	for w := uint32(0); w <= 0xffff; w++ {
		ac := sum + w
		ac += ac >> 16 & 0xffff
		if uint16(ac) == want {
			binary.BigEndian.PutUint16(rdata[last:], uint16(w))
			break
		}
	}
	c := *k
	c.PublicKey = base64.StdEncoding.EncodeToString(rdata[4:])
	return &c
}

// dsRecords returns the DS RRset the parent publishes for this zone: by
// default one SHA-256 DS (RFC 4509) of the KSK, else one per digest type
// in DSDigests; with WrongDS every digest is altered so that it matches
// no key.
func (z *zone) dsRecords() []dns.RR {
	if !z.signed {
		return nil
	}
	digests := z.spec.DSDigests
	if len(digests) == 0 {
		digests = []uint8{dns.SHA256}
	}
	var out []dns.RR
	for _, dt := range digests {
		ds := z.ksk.dnskey.ToDS(dt)
		if ds == nil {
			// A digest type miekg/dns does not know: random octets.
			ds = &dns.DS{
				Hdr:        dns.RR_Header{Name: z.origin, Rrtype: dns.TypeDS, Class: dns.ClassINET},
				KeyTag:     z.ksk.tag,
				Algorithm:  z.ksk.dnskey.Algorithm,
				DigestType: dt,
				Digest:     hex.EncodeToString(randomBytes(32)),
			}
		}
		ds.Hdr.Ttl = 3600
		if z.spec.Faults.WrongDS {
			d := []byte(ds.Digest)
			if d[0] == '0' {
				d[0] = '1'
			} else {
				d[0] = '0'
			}
			ds.Digest = string(d)
		}
		out = append(out, ds)
	}
	return out
}

// window returns the RRSIG inception and expiration for the zone.
func (z *zone) window(now time.Time) (inception, expiration uint32) {
	inc, exp := now.Add(-sigBackdate), now.Add(sigLifetime)
	switch {
	case z.spec.Faults.ExpiredSigs:
		// RFC 4035 §5.3.1: the validation time must not be after the
		// expiration.
		inc, exp = now.Add(-sigLifetime), now.Add(-sigFaultGap)
	case z.spec.Faults.FutureSigs:
		// RFC 4035 §5.3.1: the validation time must not be before the
		// inception.
		inc, exp = now.Add(sigFaultGap), now.Add(sigLifetime)
	}
	return uint32(inc.Unix()), uint32(exp.Unix())
}

// finish adds the zone's DNSSEC records (DNSKEY, NSEC3PARAM, the NSEC or
// NSEC3 chain), marks every authoritative RRset for signing and signs the
// apex; the other RRsets are signed on first use (see sigs), which keeps
// StartDNS fast. Unsigned zones are left as they are.
func (z *zone) finish(now time.Time) error {
	if !z.signed {
		return nil
	}
	apex := z.nodes[z.origin]
	keys := &rrset{rrs: []dns.RR{z.ksk.dnskey, z.zsk.dnskey}}
	for _, k := range z.trapKeys {
		keys.rrs = append(keys.rrs, k)
	}
	apex.sets[dns.TypeDNSKEY] = keys
	if z.spec.NSEC3 != nil {
		apex.sets[dns.TypeNSEC3PARAM] = &rrset{rrs: []dns.RR{z.nsec3Param()}}
		if err := z.buildNSEC3(); err != nil {
			return err
		}
	} else {
		z.buildNSEC()
	}
	z.inception, z.expiration = z.window(now)
	for name, n := range z.nodes {
		if !z.authoritative(name) {
			continue
		}
		for t, s := range n.sets {
			// RFC 4035 §2.2: the NS RRset at a delegation point and glue
			// are not signed; the DS and NSEC there are.
			s.typ = t
			s.signed = !z.cuts[name] || t == dns.TypeDS || t == dns.TypeNSEC
		}
	}
	for _, e := range z.nsec3 {
		e.set.typ, e.set.signed = dns.TypeNSEC3, true
	}
	// Sign the apex now, with both keys, so that a key that cannot sign
	// fails StartDNS rather than a query; the rest is signed on first use.
	for _, t := range []uint16{dns.TypeSOA, dns.TypeDNSKEY} {
		z.sigs(apex.sets[t])
		if p := z.signErr.Load(); p != nil {
			return *p
		}
	}
	return nil
}

// sigs returns the RRSIGs of an RRset, signing it on first use. Signing
// errors cannot be returned from the response path; the RRset is then
// served unsigned and the error kept in signErr (finish signs the apex
// eagerly with the same keys, so this does not happen in practice).
func (z *zone) sigs(s *rrset) []dns.RR {
	s.once.Do(func() {
		if !s.signed {
			return
		}
		if err := z.signSet(s, s.typ, z.inception, z.expiration); err != nil {
			z.signErr.CompareAndSwap(nil, &err)
		}
	})
	return s.sigs
}

// signSet attaches the RRSIGs for one RRset: the DNSKEY RRset is signed
// by the KSK (or, with DNSKEYNotSignedByKSK, by the ZSK only), everything
// else by the ZSK. KeyTrap zones get many bogus signatures with the ZSK's
// tag instead.
func (z *zone) signSet(s *rrset, t uint16, inc, exp uint32) error {
	key := z.zsk
	if t == dns.TypeDNSKEY && !z.spec.Faults.DNSKEYNotSignedByKSK {
		key = z.ksk
	}
	if z.spec.Faults.KeyTrap && key == z.zsk {
		for range keyTrapSigs {
			s.sigs = append(s.sigs, z.fakeSig(s.rrs, key, inc, exp))
		}
		return nil
	}
	sig, err := z.signWith(s.rrs, key, inc, exp)
	if err != nil {
		return err
	}
	s.sigs = []dns.RR{sig}
	return nil
}

// signWith makes one RRSIG over rrs (RFC 4034 §3) with key.
func (z *zone) signWith(rrs []dns.RR, key *zoneKey, inc, exp uint32) (dns.RR, error) {
	if key.signer == nil {
		return z.fakeSig(rrs, key, inc, exp), nil
	}
	sig := z.rrsigTemplate(rrs, key, inc, exp)
	if err := sig.Sign(key.signer, rrs); err != nil {
		h := rrs[0].Header()
		return nil, fmt.Errorf("zone %s: sign %s %s: %w", z.origin, h.Name, dns.TypeToString[h.Rrtype], err)
	}
	return sig, nil
}

func (z *zone) rrsigTemplate(rrs []dns.RR, key *zoneKey, inc, exp uint32) *dns.RRSIG {
	h := rrs[0].Header()
	labels := dns.CountLabel(h.Name)
	if len(h.Name) > 1 && h.Name[0] == '*' && h.Name[1] == '.' {
		labels-- // RFC 4034 §3.1.3: the wildcard label is not counted.
	}
	return &dns.RRSIG{
		Hdr:         dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		TypeCovered: h.Rrtype,
		Algorithm:   key.dnskey.Algorithm,
		Labels:      uint8(labels),
		OrigTtl:     h.Ttl,
		Expiration:  exp,
		Inception:   inc,
		KeyTag:      key.tag,
		SignerName:  z.origin,
	}
}

// fakeSig makes an RRSIG with random signature octets: what an
// unsupported algorithm or an attacker's KeyTrap signatures look like.
func (z *zone) fakeSig(rrs []dns.RR, key *zoneKey, inc, exp uint32) dns.RR {
	sig := z.rrsigTemplate(rrs, key, inc, exp)
	n := fakeSigLen(key.dnskey.Algorithm)
	switch key.dnskey.Algorithm {
	case dns.ECDSAP384SHA384:
		n = 96
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
		n = 128
	}
	sig.Signature = base64.StdEncoding.EncodeToString(randomBytes(n))
	return sig
}
