package tlsa

import (
	"bytes"
	"crypto/x509"
	"errors"
	"testing"
)

// FuzzParseRecord: presentation-form parsing never panics, errors wrap
// ErrSyntax, and what parses prints and re-parses to the same record.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"3 1 1 2bb5d0e1cc9b6fb8e3b7d3d8d6a4d6f4e4f1e0c0b0a090807060504030201000",
		"2 0 2 AB CD", "DANE-EE SPKI SHA2-256 00", "0 0 0 00", "255 255 255 ff", "3 1", "3 1 1 zz", "",
		"3\t1\t1\t00\n", "dane-ta cert full 3082",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error does not wrap ErrSyntax: %v", err)
			}
			return
		}
		back, err := ParseRecord(r.String())
		if err != nil || back.String() != r.String() || !bytes.Equal(back.Data, r.Data) {
			t.Fatalf("round trip %q -> %q: %v", s, back, err)
		}
		// Whatever parses can be evaluated without panicking.
		_ = Verify([]Record{r}, nil, Options{})
	})
}

// FuzzParseRDATA: wire-form parsing never panics and round-trips.
func FuzzParseRDATA(f *testing.F) {
	for _, b := range [][]byte{{3, 1, 1, 0}, {}, {2, 0, 0}, {9, 9, 9, 1, 2, 3}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRDATA(b)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error does not wrap ErrSyntax: %v", err)
			}
			return
		}
		if !bytes.Equal(r.RDATA(), b) {
			t.Fatalf("round trip %x -> %x", b, r.RDATA())
		}
		if _, err := ParseRecord(r.String()); err != nil {
			t.Fatalf("presentation form of %x does not parse: %v", b, err)
		}
	})
}

// FuzzVerify feeds arbitrary record sets (concatenated wire RDATA, each
// prefixed by its length octet) to Verify against a fixed chain and checks
// the verdict is consistent with the per-record outcomes.
func FuzzVerify(f *testing.F) {
	w := newWorld(f, nil)
	chain := []*x509.Certificate{w.leaf.cert, w.inter.cert, w.root.cert}
	seed := func(rs ...Record) []byte {
		var b []byte
		for _, r := range rs {
			d := r.RDATA()
			b = append(append(b, byte(len(d))), d...)
		}
		return b
	}
	f.Add(seed(rec(f, w.leaf.cert, DANEEE, SPKI, SHA256)))
	f.Add(seed(rec(f, w.root.cert, DANETA, SPKI, Full), rec(f, w.inter.cert, DANETA, Cert, SHA512)))
	f.Add(seed(Record{Usage: 3, Selector: 1, MatchingType: 2, Data: []byte{1}}, Record{Usage: 2, Selector: 1, MatchingType: 0, Data: []byte{0x30, 0}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var set []Record
		for len(b) > 0 && len(set) < 16 {
			n := int(b[0])
			b = b[1:]
			if n > len(b) {
				n = len(b)
			}
			if r, err := ParseRDATA(b[:n]); err == nil {
				set = append(set, r)
			}
			b = b[n:]
		}
		res := Verify(set, chain, Options{Names: []string{"mx.example.org"}})
		matched, usable := 0, 0
		for _, rr := range res.Records {
			switch rr.Outcome {
			case Matched:
				matched++
				usable++
			case NotMatched:
				usable++
				if len(rr.Failures) == 0 {
					t.Fatalf("not matched without a failure: %+v", rr)
				}
			case Ignored:
				usable++
			}
		}
		want := VerdictNoMatch
		if matched > 0 {
			want = VerdictMatch
		} else if usable == 0 {
			want = VerdictUnusable
		}
		if res.Verdict != want || (want == VerdictMatch) != (res.Match != nil) {
			t.Fatalf("verdict %s with %d matched, %d usable", res.Verdict, matched, usable)
		}
	})
}

// FuzzParseRecordList: record files are pasted from anywhere; the parser
// never panics, stays within MaxRecords, and every record it returns
// prints as a record ParseRecord reads back.
func FuzzParseRecordList(f *testing.F) {
	f.Add([]byte("3 1 1 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n"))
	f.Add([]byte("_25._tcp.mx.example.org. 300 IN TLSA 2 1 1 0f1e ; c\n# x\n\n"))
	f.Add([]byte("mx. IN TXT \"TLSA\"\n$ORIGIN x.\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParseRecordList(b)
		if err != nil {
			return
		}
		if len(recs) > MaxRecords {
			t.Fatalf("%d records", len(recs))
		}
		for _, r := range recs {
			if r.Invalid != "" {
				continue
			}
			again, err := ParseRecord(r.String())
			if err != nil || again.String() != r.String() {
				t.Fatalf("record %s does not read back: %v, %v", r, again, err)
			}
		}
	})
}

// FuzzParseNext: PEM input with certificates and keys never panics.
func FuzzParseNext(f *testing.F) {
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParseNext(b); err == nil && len(n.Chain) == 0 && len(n.SPKI) == 0 {
			t.Fatal("ParseNext succeeded with neither chain nor key")
		}
		if c, err := ParseChain(b); err == nil && len(c) == 0 {
			t.Fatal("ParseChain succeeded without a certificate")
		}
	})
}
