package testworld_test

import (
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// ExampleStartDNS starts the DNS world with an extra zone and asks it for a
// TLSA record the way a validating stub would: DO and CD set. The RRSIG
// comes along; a validator checks it from d.TrustAnchors().
func ExampleStartDNS() {
	d, err := testworld.StartDNS(testworld.DNSOptions{Zones: []testworld.ZoneSpec{{
		Origin: "mail.test.",
		Records: []string{
			"mail.test. 300 IN MX 10 mx.mail.test.",
			"mx.mail.test. 300 IN A 127.0.0.10",
			"_25._tcp.mx.mail.test. 300 IN TLSA 3 1 1 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d",
		},
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()

	q := new(dns.Msg)
	q.SetQuestion("_25._tcp.mx.mail.test.", dns.TypeTLSA)
	q.SetEdns0(1232, true)
	q.CheckingDisabled = true
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 5 * time.Second}).Exchange(q, d.Addr())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, rr := range r.Answer {
		if sig, ok := rr.(*dns.RRSIG); ok {
			fmt.Printf("RRSIG over %s by %s, algorithm %d\n", dns.TypeToString[sig.TypeCovered], sig.SignerName, sig.Algorithm)
		} else {
			fmt.Println(rr)
		}
	}
	fmt.Println("trust anchors:", len(d.TrustAnchors()))
	// Output:
	// _25._tcp.mx.mail.test.	300	IN	TLSA	3 1 1 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d
	// RRSIG over TLSA by mail.test., algorithm 13
	// trust anchors: 1
}
