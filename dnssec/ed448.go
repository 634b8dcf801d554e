package dnssec

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/miekg/dns"
)

// Ed448 (algorithm 16, RFC 8080) is verified with cloudflare/circl,
// because neither the standard library nor miekg/dns implements it; RSA
// keys crypto/rsa refuses are verified with math/big (rsa.go); the other
// algorithms and keys are verified by miekg/dns.

// verifyRRSIG verifies sig over rrs with key k.
func verifyRRSIG(sig *dns.RRSIG, k *dns.DNSKEY, rrs []dns.RR) error {
	own := sig.Algorithm == dns.ED448 || (isRSA(sig.Algorithm) && goRSARefuses(k))
	if !own {
		return sig.Verify(k, rrs)
	}
	if k.Algorithm != sig.Algorithm || k.KeyTag() != sig.KeyTag || !equalNames(k.Hdr.Name, sig.SignerName) || k.Protocol != 3 {
		return dns.ErrKey
	}
	for _, rr := range rrs {
		if h := rr.Header(); h.Rrtype != sig.TypeCovered || h.Class != rrs[0].Header().Class || !equalNames(h.Name, rrs[0].Header().Name) {
			return dns.ErrRRset
		}
	}
	if sig.Algorithm == dns.ED448 {
		return verifyEd448(sig, k, rrs)
	}
	return verifyRSA(sig, k, rrs)
}

// verifyEd448 checks an Ed448 RRSIG (RFC 8080 §4: PureEdDSA, no context).
func verifyEd448(sig *dns.RRSIG, k *dns.DNSKEY, rrs []dns.RR) error {
	pub, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.PublicKey), ""))
	if err != nil || len(pub) != ed448.PublicKeySize {
		return fmt.Errorf("malformed Ed448 public key")
	}
	s, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sig.Signature), ""))
	if err != nil || len(s) != ed448.SignatureSize {
		return fmt.Errorf("malformed Ed448 signature")
	}
	data, err := signedData(sig, rrs)
	if err != nil {
		return err
	}
	if !ed448.Verify(ed448.PublicKey(pub), data, s, "") {
		return dns.ErrSig
	}
	return nil
}

// signedData builds the data an RRSIG signs (RFC 4034 §3.1.8.1): the
// RRSIG RDATA without the signature, then the RRset in canonical form
// and order (RFC 4034 §6.2, §6.3; RFC 6840 §5.1 for the names in RDATA
// that are lower-cased), with the original TTL and, for a wildcard
// expansion, the owner "*." plus the rightmost Labels labels.
func signedData(sig *dns.RRSIG, rrs []dns.RR) ([]byte, error) {
	if len(rrs) == 0 {
		return nil, fmt.Errorf("empty RRset")
	}
	head := *sig
	head.Hdr = dns.RR_Header{Name: ".", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET}
	head.Signature = ""
	head.SignerName = dns.CanonicalName(sig.SignerName)
	buf := make([]byte, dns.Len(&head)+16)
	off, err := dns.PackRR(&head, buf, 0, nil, false)
	if err != nil {
		return nil, fmt.Errorf("pack RRSIG: %w", err)
	}
	// The root owner is one octet, then type, class, TTL, RDLENGTH.
	out := append([]byte(nil), buf[11:off]...)

	type wire struct{ full, rdata []byte }
	wires := make([]wire, 0, len(rrs))
	for _, rr := range rrs {
		c := dns.Copy(rr)
		h := c.Header()
		h.Ttl = sig.OrigTtl
		labels := dns.SplitDomainName(h.Name)
		if len(labels) > int(sig.Labels) {
			h.Name = "*." + strings.Join(labels[len(labels)-int(sig.Labels):], ".") + "."
		}
		h.Name = dns.CanonicalName(h.Name)
		lowerRdataNames(c)
		b := make([]byte, dns.Len(c)+16)
		n, err := dns.PackRR(c, b, 0, nil, false)
		if err != nil {
			return nil, fmt.Errorf("pack %s: %w", dns.TypeToString[h.Rrtype], err)
		}
		b = b[:n]
		// The RDATA follows the owner name and the 10 octets of type,
		// class, TTL and RDLENGTH.
		at := hdrRdlenOffset(b)
		if at+2 > len(b) {
			return nil, fmt.Errorf("pack %s: short record", dns.TypeToString[h.Rrtype])
		}
		rdlen := int(b[at])<<8 | int(b[at+1])
		if at+2+rdlen != len(b) {
			return nil, fmt.Errorf("pack %s: bad RDLENGTH", dns.TypeToString[h.Rrtype])
		}
		wires = append(wires, wire{full: b, rdata: b[len(b)-rdlen:]})
	}
	// RFC 4034 §6.3: sort by RDATA as left-justified octet strings and
	// drop duplicates (RFC 2181 §5).
	sort.Slice(wires, func(i, j int) bool { return bytes.Compare(wires[i].rdata, wires[j].rdata) < 0 })
	for i, w := range wires {
		if i > 0 && bytes.Equal(w.rdata, wires[i-1].rdata) {
			continue
		}
		out = append(out, w.full...)
	}
	return out, nil
}

// hdrRdlenOffset returns the offset of RDLENGTH in one packed,
// uncompressed RR: after the owner name's labels, type, class and TTL.
func hdrRdlenOffset(b []byte) int {
	i := 0
	for i < len(b) && b[i] != 0 {
		i += int(b[i]) + 1
	}
	return i + 1 + 8
}

// lowerRdataNames lower-cases the domain names in RDATA of the types RFC
// 4034 §6.2 lists, as amended by RFC 6840 §5.1 (HINFO has none; NSEC's
// next name and RRSIG's signer name keep their case).
func lowerRdataNames(rr dns.RR) {
	switch x := rr.(type) {
	case *dns.NS:
		x.Ns = dns.CanonicalName(x.Ns)
	case *dns.MD:
		x.Md = dns.CanonicalName(x.Md)
	case *dns.MF:
		x.Mf = dns.CanonicalName(x.Mf)
	case *dns.CNAME:
		x.Target = dns.CanonicalName(x.Target)
	case *dns.SOA:
		x.Ns = dns.CanonicalName(x.Ns)
		x.Mbox = dns.CanonicalName(x.Mbox)
	case *dns.MB:
		x.Mb = dns.CanonicalName(x.Mb)
	case *dns.MG:
		x.Mg = dns.CanonicalName(x.Mg)
	case *dns.MR:
		x.Mr = dns.CanonicalName(x.Mr)
	case *dns.PTR:
		x.Ptr = dns.CanonicalName(x.Ptr)
	case *dns.MINFO:
		x.Rmail = dns.CanonicalName(x.Rmail)
		x.Email = dns.CanonicalName(x.Email)
	case *dns.MX:
		x.Mx = dns.CanonicalName(x.Mx)
	case *dns.RP:
		x.Mbox = dns.CanonicalName(x.Mbox)
		x.Txt = dns.CanonicalName(x.Txt)
	case *dns.AFSDB:
		x.Hostname = dns.CanonicalName(x.Hostname)
	case *dns.RT:
		x.Host = dns.CanonicalName(x.Host)
	case *dns.SIG:
		x.SignerName = dns.CanonicalName(x.SignerName)
	case *dns.PX:
		x.Map822 = dns.CanonicalName(x.Map822)
		x.Mapx400 = dns.CanonicalName(x.Mapx400)
	case *dns.NAPTR:
		x.Replacement = dns.CanonicalName(x.Replacement)
	case *dns.KX:
		x.Exchanger = dns.CanonicalName(x.Exchanger)
	case *dns.SRV:
		x.Target = dns.CanonicalName(x.Target)
	case *dns.DNAME:
		x.Target = dns.CanonicalName(x.Target)
	}
}
