package tlsa_test

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/daneprobe/daneprobe/tlsa"
)

// The renewal gate: the zone publishes "3 1 1" of the current key, and
// certbot has just renewed with a new key. Deployed now, DANE senders
// would defer mail; the gate says what to publish and how long to wait.
func ExampleGate() {
	current, renewed := selfSigned(), selfSigned() // two keys
	published, _ := tlsa.Generate(current, tlsa.DANEEE, tlsa.SPKI, tlsa.SHA256)
	pub := tlsa.Published{
		Owner: tlsa.Owner("mx.example.org", 25), State: tlsa.DNSSecure,
		Records: []tlsa.Record{published}, TTL: time.Hour,
	}
	g := tlsa.Gate(pub, tlsa.Candidate{Chain: []*x509.Certificate{renewed}}, tlsa.Options{Names: []string{"mx.example.org"}})
	fmt.Println(g.Verdict, g.Safe, len(g.Publish), len(g.Keep), g.Wait)

	// With the new key's record published next to the old one, it passes.
	pub.Records = append(pub.Records, g.Publish...)
	g = tlsa.Gate(pub, tlsa.Candidate{Chain: []*x509.Certificate{renewed}}, tlsa.Options{Names: []string{"mx.example.org"}})
	fmt.Println(g.Verdict, g.Safe, g.Matched)
	// Output:
	// no-match false 1 1 1h0m0s
	// safe true [1]
}
