package testworld

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestPKIChainVerifies(t *testing.T) {
	root, err := NewRootCA(CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate(CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(CertOptions{DNSNames: []string{"mx.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.Chain) != 2 {
		t.Fatalf("chain has %d certificates, want leaf+intermediate", len(leaf.Chain))
	}
	inters := x509.NewCertPool()
	inters.AddCert(inter.Cert)
	_, err = leaf.Cert.Verify(x509.VerifyOptions{DNSName: "mx.example.test", Roots: root.Pool(), Intermediates: inters})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	_, err = leaf.Cert.Verify(x509.VerifyOptions{DNSName: "other.example.test", Roots: root.Pool(), Intermediates: inters})
	if err == nil {
		t.Fatal("verify accepted a wrong name")
	}
}

func TestPKIExpired(t *testing.T) {
	root, err := NewRootCA(CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	leaf, err := root.Issue(CertOptions{DNSNames: []string{"mx.example.test"}, NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{DNSName: "mx.example.test", Roots: root.Pool()}); err == nil {
		t.Fatal("verify accepted an expired certificate")
	}
}
