package dnssec

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// rootAnchorDS are the IANA root zone trust anchors as published in
// https://data.iana.org/root-anchors/root-anchors.xml: KSK-2017 (key tag
// 20326) and KSK-2024 (key tag 38696), both RSASHA256 with SHA-256 DS
// digests.
const (
	rootKSK2017DS = ". 172800 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
	rootKSK2024DS = ". 172800 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"
)

// RootAnchors returns the built-in IANA root trust anchors as DS records
// (a fresh slice on every call).
func RootAnchors() []dns.RR {
	out := make([]dns.RR, 0, 2)
	for _, s := range []string{rootKSK2017DS, rootKSK2024DS} {
		rr, err := dns.NewRR(s)
		if err != nil {
			// The table is constant; a parse failure is a programming error
			// caught by the tests.
			continue
		}
		out = append(out, rr)
	}
	return out
}

// ParseTrustAnchors reads trust anchors from r: either DS and DNSKEY
// records in zone-file syntax, or IANA's root-anchors.xml format. Other
// record types are an error, as is a file with no anchors.
func ParseTrustAnchors(r io.Reader, origin string) ([]dns.RR, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read trust anchors: %w", err)
	}
	text := strings.TrimSpace(string(data))
	if strings.HasPrefix(text, "<") {
		return parseAnchorXML(data)
	}
	zp := dns.NewZoneParser(strings.NewReader(text), dns.Fqdn(orDot(origin)), "")
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch rr.(type) {
		case *dns.DS, *dns.DNSKEY:
			rr.Header().Name = canonicalName(rr.Header().Name)
			out = append(out, rr)
		default:
			return nil, fmt.Errorf("trust anchor %q: only DS and DNSKEY records are allowed", rr.String())
		}
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("parse trust anchors: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no DS or DNSKEY record in trust anchor file")
	}
	return out, nil
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

type anchorXML struct {
	Zone    string `xml:"Zone"`
	Digests []struct {
		ValidFrom  string `xml:"validFrom,attr"`
		ValidUntil string `xml:"validUntil,attr"`
		KeyTag     string `xml:"KeyTag"`
		Algorithm  string `xml:"Algorithm"`
		DigestType string `xml:"DigestType"`
		Digest     string `xml:"Digest"`
	} `xml:"KeyDigest"`
}

// parseAnchorXML reads the root-anchors.xml format (RFC 9718 §2). Keys
// with a validUntil attribute are retired and skipped.
func parseAnchorXML(data []byte) ([]dns.RR, error) {
	var doc anchorXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse trust anchor XML: %w", err)
	}
	zone := canonicalName(orDot(strings.TrimSpace(doc.Zone)))
	var out []dns.RR
	for _, d := range doc.Digests {
		if strings.TrimSpace(d.ValidUntil) != "" {
			continue
		}
		tag, err1 := strconv.ParseUint(strings.TrimSpace(d.KeyTag), 10, 16)
		alg, err2 := strconv.ParseUint(strings.TrimSpace(d.Algorithm), 10, 8)
		dt, err3 := strconv.ParseUint(strings.TrimSpace(d.DigestType), 10, 8)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("trust anchor XML: bad KeyDigest (tag %q, algorithm %q, digest type %q)", d.KeyTag, d.Algorithm, d.DigestType)
		}
		out = append(out, &dns.DS{
			Hdr:        dns.RR_Header{Name: zone, Rrtype: dns.TypeDS, Class: dns.ClassINET, Ttl: 172800},
			KeyTag:     uint16(tag),
			Algorithm:  uint8(alg),
			DigestType: uint8(dt),
			Digest:     strings.ToUpper(strings.TrimSpace(d.Digest)),
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("trust anchor XML has no current KeyDigest")
	}
	return out, nil
}
