package roots

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestRawSubject: the subject the ASN.1 walk reads is x509's RawSubject
// for every system root, the test PKI's certificates, and nothing for
// bytes that are no certificate.
func TestRawSubject(t *testing.T) {
	s, err := System()
	if err != nil {
		t.Fatal(err)
	}
	ca, err := testworld.NewRootCA(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inter, err := ca.Intermediate(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testworld.CertOptions{DNSNames: []string{"mx.example"}})
	if err != nil {
		t.Fatal(err)
	}
	ders := append([][]byte{ca.Chain[0]}, leaf.Chain...)
	for _, r := range s.roots {
		ders = append(ders, r.der)
	}
	if len(ders) < 10 && os.Getenv("CI") == "true" {
		t.Fatalf("only %d system roots", len(ders)-3)
	}
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		got, ok := rawSubject(der)
		if !ok || !bytes.Equal(got, c.RawSubject) {
			t.Errorf("certificate %d (%s): walk read %x, want %x", i, c.Subject, got, c.RawSubject)
		}
	}
	for _, junk := range [][]byte{nil, {0x30, 0x00}, ders[0][:len(ders[0])-1], append(append([]byte{}, ders[0]...), 0)} {
		if _, ok := rawSubject(junk); ok {
			t.Errorf("%x...: a subject read from a broken certificate", junk[:min(len(junk), 8)])
		}
	}
}

// TestPoolForSystemRoots: for a chain naming a system root's subject as
// issuer, the pool holds exactly the system roots (x509.SystemCertPool's)
// with that subject; for a chain naming none, it is empty.
func TestPoolForSystemRoots(t *testing.T) {
	s, err := System()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := x509.SystemCertPool()
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 a Linux system pool holds only the certificates read from files
	subjects := sys.Subjects()
	count := map[string]int{}
	for _, subj := range subjects {
		count[string(subj)]++
	}
	if len(count) == 0 && os.Getenv("CI") == "true" {
		t.Fatal("no system roots")
	}
	other := []byte("\x30\x00") // the empty Name: no root's subject
	for subj, n := range count {
		leaf := &x509.Certificate{RawIssuer: []byte(subj), RawSubject: other}
		//lint:ignore SA1019 the pool holds only the candidates
		got := s.PoolFor([]*x509.Certificate{leaf}).Subjects()
		if len(got) != n {
			t.Errorf("issuer %q: %d roots in the pool, want %d", subj, len(got), n)
		}
		for _, g := range got {
			if string(g) != subj {
				t.Errorf("issuer %q: a root of subject %q in the pool", subj, g)
			}
		}
	}
	//lint:ignore SA1019 the pool holds only the candidates
	if got := s.PoolFor([]*x509.Certificate{{RawIssuer: other, RawSubject: other}}).Subjects(); len(got) != 0 {
		t.Errorf("%d roots for an unknown issuer, want none", len(got))
	}
	if s.PoolFor(nil) == nil {
		t.Error("PoolFor returned nil: Verify would take the system roots")
	}
}

// TestPoolForVerdicts: Verify against the pool PoolFor builds says what
// Verify against every root of the store says, for the test PKI's chains
// (direct, through an intermediate, cross-signed, expired, wrong name,
// self-signed, a leaf trusted itself) and for chains to an issuer the store lacks, one of which
// names a real system root's subject without its signature.
func TestPoolForVerdicts(t *testing.T) {
	mk := func(ca *testworld.CA, err error) *testworld.CA {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ca
	}
	r1 := mk(testworld.NewRootCA(testworld.CertOptions{CommonName: "root one"}))
	r2 := mk(testworld.NewRootCA(testworld.CertOptions{CommonName: "root two"}))
	inter := mk(r1.Intermediate(testworld.CertOptions{CommonName: "intermediate"}))
	// r2's subject and key, certified by r1: a cross-signed root.
	tmpl := *r2.Cert
	crossDER, err := x509.CreateCertificate(rand.Reader, &tmpl, r1.Cert, r2.Key.Public(), r1.Key)
	if err != nil {
		t.Fatal(err)
	}
	sysStore, err := System()
	if err != nil {
		t.Fatal(err)
	}
	// A leaf naming a real system root's subject as its issuer, signed by
	// a key of its own.
	var impostor [][]byte
	if len(sysStore.roots) > 0 {
		real, err := x509.ParseCertificate(sysStore.roots[0].der)
		if err != nil {
			t.Fatal(err)
		}
		fake := *r1.Cert
		fake.RawSubject = real.RawSubject
		leaf, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: r1.Cert.SerialNumber, DNSNames: []string{"mx.example"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
			&fake, testworld.NewKey().Public(), r1.Key)
		if err != nil {
			t.Fatal(err)
		}
		impostor = [][]byte{leaf}
	}
	issue := func(ca *testworld.CA, o testworld.CertOptions) [][]byte {
		t.Helper()
		if o.DNSNames == nil {
			o.DNSNames = []string{"mx.example"}
		}
		l, err := ca.Issue(o)
		if err != nil {
			t.Fatal(err)
		}
		return l.Chain
	}
	self, err := testworld.SelfSigned(testworld.CertOptions{DNSNames: []string{"mx.example"}})
	if err != nil {
		t.Fatal(err)
	}
	// A leaf of a root no store holds, itself trusted in one store (x509
	// finds a root equal to the leaf by the leaf's subject).
	r3 := mk(testworld.NewRootCA(testworld.CertOptions{CommonName: "root three"}))
	pinned := issue(r3, testworld.CertOptions{})
	pinnedCert, err := x509.ParseCertificate(pinned[0])
	if err != nil {
		t.Fatal(err)
	}
	chains := map[string][][]byte{
		"pinned":       pinned,
		"direct":       issue(r1, testworld.CertOptions{}),
		"intermediate": issue(inter, testworld.CertOptions{}),
		"cross-signed": append(issue(r2, testworld.CertOptions{}), crossDER),
		"expired":      issue(r1, testworld.CertOptions{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}),
		"wrong name":   issue(r1, testworld.CertOptions{DNSNames: []string{"other.example"}}),
		"self-signed":  self.Chain,
		"root two":     issue(r2, testworld.CertOptions{}),
		"impostor":     impostor,
	}
	stores := map[string]func(s *Store){
		"system":                      func(*Store) {},
		"system and root one":         func(s *Store) { s.AddCert(r1.Cert) },
		"system and root two":         func(s *Store) { s.AddCert(r2.Cert) },
		"root one, two and self":      func(s *Store) { s.AddCert(r1.Cert); s.AddCert(r2.Cert); s.AddCert(self.Cert) },
		"root one twice, by PEM, DER": func(s *Store) { s.AppendPEM(r1.RootPEM()); s.Add(r1.Chain[0]) },
		"system and a pinned leaf":    func(s *Store) { s.AddCert(pinnedCert) },
	}
	agreed := map[string]int{} // chain -> stores under which it verified
	for sname, fill := range stores {
		s, err := System()
		if err != nil {
			t.Fatal(err)
		}
		if sname == "root one, two and self" {
			s = New()
		}
		fill(s)
		full := everyRoot(s)
		for cname, ders := range chains {
			if ders == nil {
				continue
			}
			var chain []*x509.Certificate
			inter := x509.NewCertPool()
			for i, der := range ders {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatal(err)
				}
				chain = append(chain, c)
				if i > 0 {
					inter.AddCert(c)
				}
			}
			verify := func(roots *x509.CertPool) string {
				_, err := chain[0].Verify(x509.VerifyOptions{DNSName: "mx.example", Roots: roots, Intermediates: inter,
					KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
				if err != nil {
					return err.Error()
				}
				return ""
			}
			lazy, want := verify(s.PoolFor(chain)), verify(full)
			if lazy != want {
				t.Errorf("%s, chain %s: %q with the lazy pool, %q with every root", sname, cname, lazy, want)
			}
			if want == "" {
				agreed[cname]++
			}
		}
	}
	// The cases must differ, or the comparison proves little.
	for cname, want := range map[string]int{"direct": 3, "intermediate": 3, "cross-signed": 4, "root two": 2, "self-signed": 1, "expired": 0, "wrong name": 0, "impostor": 0, "pinned": 1} {
		if agreed[cname] != want {
			t.Errorf("chain %s verified under %d stores, want %d", cname, agreed[cname], want)
		}
	}
}

// TestAppendPEM: AppendPEM reports whether a certificate was found and
// skips other blocks and broken certificates.
func TestAppendPEM(t *testing.T) {
	ca, err := testworld.NewRootCA(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	broken := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x01}})
	for _, tt := range []struct {
		name string
		data []byte
		ok   bool
		n    int
	}{
		{"empty", nil, false, 0},
		{"key only", key, false, 0},
		{"broken certificate", broken, false, 0},
		{"root after junk", append(append([]byte("junk\n"), key...), ca.RootPEM()...), true, 1},
		{"root twice", append(ca.RootPEM(), ca.RootPEM()...), true, 1},
	} {
		s := New()
		if ok := s.AppendPEM(tt.data); ok != tt.ok || s.Len() != tt.n {
			t.Errorf("%s: %v, %d roots; want %v, %d", tt.name, ok, s.Len(), tt.ok, tt.n)
		}
	}
}
