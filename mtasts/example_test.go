package mtasts_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mtasts"
)

// Example checks one domain of the HTTPS test world. In daneprobe the
// Resolver is the validating *dnssec.Resolver and Roots the system roots
// plus --ca-file; here a scripted resolver serves the world's records.
func Example() {
	world, err := testworld.StartHTTPS(testworld.HTTPSOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer world.Close()
	resolver := mustZoneDNS(world.Records()...)

	checker := &mtasts.Checker{
		Resolver: resolver,
		Fetcher: &mtasts.Fetcher{
			Resolver: resolver,
			Roots:    world.CA.Pool(),
			Port:     world.Port, // test setups only; senders use 443
			Timeout:  10 * time.Second,
		},
	}
	rep, err := checker.Check(context.Background(), world.Domain("miss"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", rep.Status, "mode:", rep.Mode)
	for _, mx := range rep.MX {
		fmt.Println("mx", mx.Host, "covered:", mx.Matched)
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Severity, f.Code)
	}
	// Output:
	// status: critical mode: enforce
	// mx mx1.miss.sts.test covered: true
	// mx backup.miss.sts.test covered: false
	// error mx-not-covered
	// warning mx-pattern-unused
}

// ExampleEvaluateMX shows the per-MX verdict a sender reaches from the
// facts of an SMTP probe: here the server did not offer STARTTLS.
func ExampleEvaluateMX() {
	policy, err := mtasts.ParsePolicy([]byte("version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 604800\n"))
	if err != nil {
		log.Fatal(err)
	}
	v := mtasts.EvaluateMX(policy, mtasts.MXFacts{MX: "mx1.example.com", STARTTLS: false}, mtasts.VerifyOptions{})
	fmt.Println(v.Outcome, v.Result, "deliver:", v.Deliver)
	// Output:
	// fail starttls-not-supported deliver: false
}
