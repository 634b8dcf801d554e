package mailauth

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// DefaultSelectors returns the DKIM selectors probed besides those
// given: Microsoft 365's selector1 and selector2, Google Workspace's
// google, and common defaults of other providers and MTAs. Selectors
// cannot be discovered from DNS (RFC 6376 §3.1), so this is a guess.
func DefaultSelectors() []string {
	return []string{"selector1", "selector2", "google", "default", "dkim", "mail", "k1", "s1", "s2", "key1"}
}

// DKIM is what the probed DKIM selectors publish.
type DKIM struct {
	// Selectors holds one entry per probed selector, in probe order.
	Selectors []DKIMSelector `json:"selectors"`
	// Found is the number of selectors with a key record.
	Found int `json:"found"`
	// Findings are the warnings and notes about the keys.
	Findings []Finding `json:"findings,omitempty"`
}

// DKIMSelector is one selector's key record (RFC 6376 §3.6.1).
type DKIMSelector struct {
	Selector string `json:"selector"`
	// Name is SELECTOR._domainkey.DOMAIN.
	Name string `json:"name"`
	// Status is "found", "not-found", "invalid" or "error".
	Status string `json:"status"`
	// CNAME is the chain of aliases from Name, when there is one;
	// Microsoft 365 publishes selectors as CNAMEs into the tenant's
	// onmicrosoft.com zone.
	CNAME []string `json:"cname,omitempty"`
	// Target is the name the chain ends at.
	Target string `json:"target,omitempty"`
	// Dangling is true when the CNAME target does not exist.
	Dangling bool            `json:"dangling,omitempty"`
	DNSSEC   dnssec.Security `json:"dnssec"`
	Record   string          `json:"record,omitempty"`
	// KeyType is "rsa" or "ed25519"; Bits the RSA modulus size.
	KeyType string `json:"key_type,omitempty"`
	Bits    int    `json:"bits,omitempty"`
	// Revoked is an empty p= (RFC 6376 §3.6.1); Testing is t=y.
	Revoked bool `json:"revoked,omitempty"`
	Testing bool `json:"testing,omitempty"`
	// Hashes is the h= list; empty means all.
	Hashes []string `json:"hashes,omitempty"`
	// Error names the bad tag, or why the lookup failed.
	Error string `json:"error,omitempty"`
}

// DKIMKey is a parsed DKIM key record.
type DKIMKey struct {
	KeyType  string
	Bits     int
	Revoked  bool
	Testing  bool
	Strict   bool
	Hashes   []string
	Services []string
}

// ParseDKIMKey parses a DKIM key record (RFC 6376 §3.6.1; RFC 8463 for
// k=ed25519). The error names the bad tag.
func ParseDKIMKey(s string) (*DKIMKey, error) {
	k := &DKIMKey{KeyType: "rsa"}
	tags := map[string]string{}
	for i, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not a tag=value pair (RFC 6376 §3.2)", short(part))
		}
		name, v = strings.TrimSpace(name), strings.TrimSpace(v)
		if _, dup := tags[name]; dup {
			// RFC 6376 §3.2: a tag appearing twice makes the record
			// invalid.
			return nil, fmt.Errorf("tag %s appears twice (RFC 6376 §3.2)", name)
		}
		tags[name] = v
		if name == "v" && (i != 0 || v != "DKIM1") {
			// RFC 6376 §3.6.1: v=, when present, is first and DKIM1.
			return nil, fmt.Errorf("v=%q: must be the first tag and DKIM1 (RFC 6376 §3.6.1)", short(v))
		}
	}
	if v, ok := tags["k"]; ok {
		k.KeyType = strings.ToLower(v)
		if k.KeyType != "rsa" && k.KeyType != "ed25519" {
			return nil, fmt.Errorf("k=%q: not rsa or ed25519 (RFC 6376 §3.6.1, RFC 8463)", short(v))
		}
	}
	if v, ok := tags["h"]; ok {
		for _, h := range strings.Split(v, ":") {
			h = strings.ToLower(strings.TrimSpace(h))
			k.Hashes = append(k.Hashes, h)
		}
	}
	if v, ok := tags["s"]; ok {
		for _, x := range strings.Split(v, ":") {
			k.Services = append(k.Services, strings.TrimSpace(x))
		}
	}
	if v, ok := tags["t"]; ok {
		for _, f := range strings.Split(v, ":") {
			switch strings.TrimSpace(f) {
			case "y":
				k.Testing = true
			case "s":
				k.Strict = true
			}
		}
	}
	p, ok := tags["p"]
	if !ok {
		return nil, fmt.Errorf("the p= tag is missing (RFC 6376 §3.6.1)")
	}
	// RFC 6376 §3.6.1: white space inside p= is ignored (folding).
	p = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, p)
	if p == "" {
		// RFC 6376 §3.6.1: an empty p= means the key is revoked.
		k.Revoked = true
		return k, nil
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("p= is not valid base64 (RFC 6376 §3.6.1)")
	}
	switch k.KeyType {
	case "ed25519":
		// RFC 8463 §4.2: p= is the raw 32-octet public key.
		if len(der) != 32 {
			return nil, fmt.Errorf("p= holds %d octets, an Ed25519 key has 32 (RFC 8463 §4.2)", len(der))
		}
		k.Bits = 256
	default:
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			// Some signers publish a bare PKCS#1 RSAPublicKey; verifiers
			// such as OpenDKIM accept it.
			rk, err2 := x509.ParsePKCS1PublicKey(der)
			if err2 != nil {
				return nil, fmt.Errorf("p= is not an RSA public key (RFC 6376 §3.6.1: a DER SubjectPublicKeyInfo)")
			}
			pub = rk
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("p= holds a %T key, but k=rsa", pub)
		}
		k.Bits = rk.N.BitLen()
	}
	return k, nil
}

// LookupDKIM probes each selector at domain. A selector without a key is
// "not-found", never an error (RFC 6376 §6.1.2 makes that a verifier's
// PERMFAIL for a signature, but without a signature it only means this
// guess was wrong).
func LookupDKIM(ctx context.Context, lk dnssec.Lookuper, domain string, selectors []string) *DKIM {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	d := &DKIM{Selectors: []DKIMSelector{}}
	for _, sel := range selectors {
		s := lookupSelector(ctx, lk, domain, sel)
		if s.Status == "found" || s.Status == "invalid" {
			d.Found++
		}
		d.Selectors = append(d.Selectors, s)
	}
	d.Findings = dkimFindings(d, domain)
	return d
}

func lookupSelector(ctx context.Context, lk dnssec.Lookuper, domain, sel string) DKIMSelector {
	s := DKIMSelector{Selector: sel, Name: strings.ToLower(sel) + "._domainkey." + domain}
	if _, ok := dns.IsDomainName(s.Name); !ok || len(s.Name) > 253 {
		s.Status, s.Error = "error", "not a valid domain name"
		return s
	}
	res, err := lk.Lookup(ctx, dns.Fqdn(s.Name), dns.TypeTXT)
	if err != nil {
		s.Status, s.Error = "error", err.Error()
		return s
	}
	s.DNSSEC = res.Security
	for _, rr := range res.Answer {
		if c, ok := rr.(*dns.CNAME); ok {
			s.CNAME = append(s.CNAME, strings.TrimSuffix(c.Target, "."))
		}
	}
	if len(s.CNAME) > 0 {
		s.Target = s.CNAME[len(s.CNAME)-1]
	}
	if failed := lookupFailure(res); failed != "" {
		s.Status, s.Error = "error", "the lookup "+failed
		return s
	}
	var texts []string
	for _, rr := range res.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			texts = append(texts, strings.Join(t.Txt, ""))
		}
	}
	if len(texts) == 0 {
		s.Status = "not-found"
		s.Dangling = len(s.CNAME) > 0 && res.Rcode == dns.RcodeNameError
		return s
	}
	s.Record = texts[0]
	if len(texts) > 1 {
		s.Error = fmt.Sprintf("%d TXT records; verifiers may use any of them (RFC 6376 §3.6.2.2)", len(texts))
	}
	k, err := ParseDKIMKey(texts[0])
	if err != nil {
		s.Status, s.Error = "invalid", err.Error()
		return s
	}
	s.Status = "found"
	s.KeyType, s.Bits, s.Revoked, s.Testing, s.Hashes = k.KeyType, k.Bits, k.Revoked, k.Testing, k.Hashes
	return s
}

func dkimFindings(d *DKIM, domain string) []Finding {
	var f []Finding
	add := func(warn bool, code, format string, args ...any) {
		f = append(f, Finding{Code: code, Warning: warn, Detail: fmt.Sprintf(format, args...)})
	}
	var probed []string
	for _, s := range d.Selectors {
		probed = append(probed, s.Selector)
		switch {
		case s.Dangling:
			add(true, WarnDKIMDangling, "DKIM selector %s is a CNAME to %s, which does not exist: mail signed with it fails DKIM", s.Selector, s.Target)
		case s.Status == "error":
			add(true, WarnDKIMLookup, "the lookup of DKIM selector %s failed: %s", s.Name, s.Error)
		case s.Status == "invalid":
			add(true, WarnDKIMBadRecord, "DKIM key %s is invalid: %s", s.Name, s.Error)
		case s.Status != "found":
		case s.Revoked:
			add(false, NoteDKIMRevoked, "DKIM selector %s is revoked (empty p=, RFC 6376 §3.6.1)", s.Selector)
		case s.KeyType == "rsa" && s.Bits < 1024:
			// RFC 8301 §3.2: verifiers must not accept RSA keys under
			// 1024 bits.
			add(true, WarnDKIMWeakKey, "DKIM key %s is RSA %d bits: under 1024, verifiers reject its signatures (RFC 8301 §3.2)", s.Selector, s.Bits)
		case s.KeyType == "rsa" && s.Bits < 2048:
			add(false, NoteDKIMShortKey, "DKIM key %s is RSA %d bits: RFC 8301 §3.2 asks signers for at least 2048", s.Selector, s.Bits)
		}
		if s.Status == "found" && len(s.Hashes) > 0 && !containsFold(s.Hashes, "sha256") {
			// RFC 8301 §3.1: rsa-sha1 must not be used; a key limited
			// to sha1 makes every signature fail.
			add(true, WarnDKIMWeakKey, "DKIM key %s allows only h=%s: RFC 8301 §3.1 forbids SHA-1, so verifiers reject its signatures", s.Selector, strings.Join(s.Hashes, ":"))
		}
		if s.Status == "found" && s.Testing {
			add(false, NoteDKIMTesting, "DKIM key %s is in testing mode (t=y): verifiers must not treat its failures differently from unsigned mail (RFC 6376 §3.6.1)", s.Selector)
		}
	}
	if d.Found == 0 {
		add(false, NoteDKIMNotFound, "no DKIM key under the probed selectors (%s): selectors are not discoverable from DNS, so DKIM could not be confirmed; give yours with --dkim-selector (the s= tag of a DKIM-Signature header names it)", strings.Join(probed, ", "))
	}
	_ = domain
	return f
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
