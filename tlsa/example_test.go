package tlsa_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/tlsa"
)

// selfSigned makes the kind of certificate many mail servers run with
// DANE-EE: self-signed, and here already expired.
func selfSigned() *x509.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.org"},
		DNSNames:     []string{"mx.example.org"},
		NotBefore:    time.Now().Add(-48 * time.Hour),
		NotAfter:     time.Now().Add(-24 * time.Hour),
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func Example() {
	cert := selfSigned()

	// The record an administrator would publish at _25._tcp.mx.example.org.
	rec, _ := tlsa.Generate(cert, tlsa.DANEEE, tlsa.SPKI, tlsa.SHA256)
	// A PKIX-TA record is unusable for SMTP and is reported as such.
	pkix, _ := tlsa.ParseRecord("0 1 1 0000000000000000000000000000000000000000000000000000000000000000")

	res := tlsa.Verify([]tlsa.Record{rec, pkix}, []*x509.Certificate{cert},
		tlsa.Options{Names: []string{"mx.example.org"}})
	fmt.Println("verdict:", res.Verdict)
	fmt.Println("matched record", res.Match.Index, "at depth", res.Match.Depth)
	for _, rr := range res.Records {
		fmt.Println(strings.TrimSpace(fmt.Sprint(rr.Index, " ", rr.Outcome, " ", rr.Reason)))
	}
	for _, r := range res.Remarks {
		fmt.Println("remark:", r.Code)
	}
	// Output:
	// verdict: match
	// matched record 0 at depth 0
	// 0 matched
	// 1 unusable pkix-usage
	// remark: webpki-expired
	// remark: webpki-self-signed
}

// A "3 1 1" record alone survives a renewal that keeps the key, but not
// one with a new key: the case that surprises certbot users.
func ExampleAdviseRollover() {
	cert := selfSigned()
	rec, _ := tlsa.Generate(cert, tlsa.DANEEE, tlsa.SPKI, tlsa.SHA256)
	adv := tlsa.AdviseRollover([]tlsa.Record{rec}, []*x509.Certificate{cert}, nil, tlsa.Options{})
	for _, s := range adv.Scenarios {
		fmt.Println(s.Change, s.Survives)
	}
	// Output:
	// renew-same-key true
	// renew-new-key false
	// issuer-change true
}

func ExampleRecord_ZoneLine() {
	r, _ := tlsa.ParseRecord("DANE-EE SPKI SHA2-256 2BB5D0E1CC9B6FB8E3B7D3D8D6A4D6F4E4F1E0C0B0A090807060504030201000")
	fmt.Println(r.ZoneLine(tlsa.Owner("mx.example.org", 25), 3600))
	// Output:
	// _25._tcp.mx.example.org. 3600 IN TLSA 3 1 1 2bb5d0e1cc9b6fb8e3b7d3d8d6a4d6f4e4f1e0c0b0a090807060504030201000
}
