package tlsa

import (
	"encoding/hex"
	"testing"

	"github.com/miekg/dns"
)

// TestGenerateAgreesWithMiekg checks every selector and matching type
// against miekg/dns's independent implementation.
func TestGenerateAgreesWithMiekg(t *testing.T) {
	w := newWorld(t, nil)
	for _, s := range []Selector{Cert, SPKI} {
		for _, m := range []MatchingType{Full, SHA256, SHA512} {
			r := rec(t, w.leaf.cert, DANEEE, s, m)
			want, err := dns.CertificateToDANE(uint8(s), uint8(m), w.leaf.cert)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(r.Data); got != want {
				t.Errorf("%d %d: %s, miekg says %s", s, m, got, want)
			}
		}
	}
	if _, err := Generate(nil, DANEEE, SPKI, SHA256); err == nil {
		t.Error("nil certificate accepted")
	}
	if _, err := Generate(w.leaf.cert, DANEEE, 2, SHA256); err == nil {
		t.Error("unknown selector accepted")
	}
	if _, err := Generate(w.leaf.cert, DANEEE, SPKI, 3); err == nil {
		t.Error("unknown matching type accepted")
	}
	k, err := GenerateKey(w.leaf.cert.RawSubjectPublicKeyInfo, DANEEE, SHA256)
	if err != nil || k.String() != rec(t, w.leaf.cert, DANEEE, SPKI, SHA256).String() {
		t.Errorf("GenerateKey = %v, %v", k, err)
	}
	if _, err := GenerateKey(nil, DANEEE, SHA256); err == nil {
		t.Error("empty key accepted")
	}
}

func TestRecommended(t *testing.T) {
	w := newWorld(t, nil)
	recs, err := Recommended(w.chain())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Usage != DANEEE || recs[1].Usage != DANETA || recs[0].Selector != SPKI || recs[1].MatchingType != SHA256 {
		t.Fatalf("Recommended = %v", recs)
	}
	res := Verify(recs, w.chain(), mxNames)
	if res.Verdict != VerdictMatch || res.Records[0].Outcome != Matched || res.Records[1].Outcome != Matched {
		t.Fatalf("the recommended set does not match its own chain: %+v", res.Records)
	}
	if one, _ := Recommended(w.chain()[:1]); len(one) != 1 {
		t.Errorf("leaf only: %v", one)
	}
	if _, err := Recommended(nil); err == nil {
		t.Error("empty chain accepted")
	}
}
