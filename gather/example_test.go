package gather_test

import (
	"context"
	"fmt"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// Check a domain of the mail test world: a validating resolver pointed at
// the world's DNS, its CA trusted for MTA-STS, its SMTP port probed.
func ExampleChecker_Check() {
	w, err := testworld.StartMail(testworld.MailOptions{NoIPv6: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	var anchors []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{w.Resolver()}, TrustAnchors: anchors})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &gather.Checker{Resolver: res, Port: w.Port, PolicyPort: w.PolicyPort, Roots: w.CA.Pool(), EHLOName: "example.daneprobe.test"}
	for _, d := range []string{"dane-ee.mail.test", "partial.mail.test", "tlsa-servfail.mail.test"} {
		r := c.Check(context.Background(), d)
		fmt.Println(d, r.Status.Label(), r.DANE, r.Outcome.DANE.Action, r.Status.ExitCode())
	}
	// Output:
	// dane-ee.mail.test OK verified deliver-authenticated 0
	// partial.mail.test WARNING partial deliver-authenticated 1
	// tlsa-servfail.mail.test CRITICAL failed defer 2
}
