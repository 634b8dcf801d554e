package mailauth

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
)

// rsaKey returns the base64 SPKI of an RSA public key of the given size
// (a modulus with the top bit set; the key need not be usable).
func rsaKey(t *testing.T, bits int) string {
	t.Helper()
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n.Add(n, big.NewInt(12345))
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestParseDKIMKey(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(nil)
	ed := base64.StdEncoding.EncodeToString(edPub)
	cases := []struct {
		rule, rec string
		err       string
		typ       string
		bits      int
		revoked   bool
	}{
		{"§3.6.1 rsa 2048", "v=DKIM1; k=rsa; p=" + rsaKey(t, 2048), "", "rsa", 2048, false},
		{"§3.6.1 k defaults to rsa", "p=" + rsaKey(t, 1024), "", "rsa", 1024, false},
		{"RFC 8463 ed25519", "v=DKIM1; k=ed25519; p=" + ed, "", "ed25519", 256, false},
		{"RFC 8463 ed25519 wrong size", "v=DKIM1; k=ed25519; p=" + rsaKey(t, 1024), "32", "", 0, false},
		{"§3.6.1 revoked", "v=DKIM1; p=", "", "rsa", 0, true},
		{"§3.6.1 p missing", "v=DKIM1; k=rsa", "p= tag is missing", "", 0, false},
		{"§3.6.1 v not first", "k=rsa; v=DKIM1; p=", "first tag", "", 0, false},
		{"§3.6.1 v wrong", "v=DKIM2; p=", "DKIM1", "", 0, false},
		{"§3.6.1 k unknown", "v=DKIM1; k=dsa; p=", "k=", "", 0, false},
		{"§3.6.1 p base64", "v=DKIM1; p=!!!", "base64", "", 0, false},
		{"§3.2 duplicate tag", "v=DKIM1; p=; p=", "twice", "", 0, false},
		{"§3.2 no =", "v=DKIM1; p", "tag=value", "", 0, false},
		{"§3.6.1 folded p", "v=DKIM1; p=" + strings.Join(strings.SplitAfter(rsaKey(t, 2048), "A"), " "), "", "rsa", 2048, false},
	}
	for _, c := range cases {
		k, err := ParseDKIMKey(c.rec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.rule, err, c.err)
			}
			continue
		}
		if err != nil || k.KeyType != c.typ || k.Bits != c.bits || k.Revoked != c.revoked {
			t.Errorf("%s: %+v, %v", c.rule, k, err)
		}
	}
	k, _ := ParseDKIMKey("v=DKIM1; t=y:s; h=sha1:sha256; s=email; p=")
	if !k.Testing || !k.Strict || len(k.Hashes) != 2 || k.Services[0] != "email" {
		t.Errorf("flags: %+v", k)
	}
}

func TestLookupDKIM(t *testing.T) {
	f := newFake(t,
		txt("good._domainkey.x.test.", "v=DKIM1; k=rsa; p="+rsaKey(t, 2048)),
		txt("short._domainkey.x.test.", "v=DKIM1; p="+rsaKey(t, 1024)),
		txt("weak._domainkey.x.test.", "v=DKIM1; p="+rsaKey(t, 512)),
		txt("sha1._domainkey.x.test.", "v=DKIM1; h=sha1; p="+rsaKey(t, 2048)),
		txt("gone._domainkey.x.test.", "v=DKIM1; p="),
		txt("test._domainkey.x.test.", "v=DKIM1; t=y; p="+rsaKey(t, 2048)),
		txt("broken._domainkey.x.test.", "v=DKIM1; k=rsa; p=AAAA"),
		"selector1._domainkey.x.test. 300 IN CNAME selector1-x-test._domainkey.tenant.onmicrosoft.test.",
		txt("selector1-x-test._domainkey.tenant.onmicrosoft.test.", "v=DKIM1; k=rsa; p="+rsaKey(t, 2048)),
		"selector2._domainkey.x.test. 300 IN CNAME selector2-x-test._domainkey.tenant.onmicrosoft.test.",
	)
	d := LookupDKIM(context.Background(), f, "x.test", []string{"good", "short", "weak", "sha1", "gone", "test", "broken", "selector1", "selector2", "absent"})
	want := map[string]string{"good": "found", "short": "found", "weak": "found", "sha1": "found", "gone": "found", "test": "found", "broken": "invalid", "selector1": "found", "selector2": "not-found", "absent": "not-found"}
	for _, s := range d.Selectors {
		if s.Status != want[s.Selector] {
			t.Errorf("%s: status %s (%s), want %s", s.Selector, s.Status, s.Error, want[s.Selector])
		}
	}
	s1 := d.Selectors[7]
	if s1.Target != "selector1-x-test._domainkey.tenant.onmicrosoft.test" || s1.Bits != 2048 || s1.Dangling {
		t.Errorf("selector1: %+v", s1)
	}
	if s2 := d.Selectors[8]; !s2.Dangling {
		t.Errorf("selector2 should dangle: %+v", s2)
	}
	for _, code := range []string{NoteDKIMShortKey, WarnDKIMWeakKey, NoteDKIMRevoked, NoteDKIMTesting, WarnDKIMBadRecord, WarnDKIMDangling} {
		if !hasCode(d.Findings, code) {
			t.Errorf("missing finding %s in %+v", code, d.Findings)
		}
	}
	if hasCode(d.Findings, NoteDKIMNotFound) {
		t.Error("keys were found")
	}
	none := LookupDKIM(context.Background(), f, "y.test", []string{"selector1"})
	if none.Found != 0 || !hasCode(none.Findings, NoteDKIMNotFound) || none.Selectors[0].Status != "not-found" {
		t.Errorf("none: %+v", none)
	}
}
