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
