package dnssec_test

import (
	"context"
	"fmt"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// ExampleResolver_Lookup validates a TLSA record in the test world, whose
// private root replaces the IANA trust anchors.
func ExampleResolver_Lookup() {
	world, err := testworld.StartDNS(testworld.DNSOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer world.Close()
	cfg := dnssec.Config{Upstreams: []string{world.Addr()}}
	for _, ds := range world.TrustAnchors() {
		cfg.TrustAnchors = append(cfg.TrustAnchors, ds)
	}
	r, err := dnssec.NewResolver(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := r.Lookup(context.Background(), "_25._tcp.mx.bench.test", dns.TypeTLSA)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Security, len(res.Answer), "record(s)")
	for _, l := range res.Chain {
		fmt.Println("zone", l.Zone, l.Security)
	}

	res, _ = r.Lookup(context.Background(), "www.expired.test", dns.TypeA)
	fmt.Println(res.Security, res.Reason)
	// Output:
	// secure 1 record(s)
	// zone . secure
	// zone test. secure
	// zone bench.test. secure
	// bogus signature-expired
}
