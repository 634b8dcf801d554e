package scan_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/scan"
)

// Example scans a small list with a stand-in check function; "daneprobe
// scan" passes (*gather.Checker).Check, whose connections go through
// LimitDial. The output has one JSON line per domain, in the schema of
// "daneprobe check --json".
func Example() {
	list := strings.NewReader("# recipients\nExample.ORG.\nexample.org\nbücher.example\nnot a domain\n")
	check := func(ctx context.Context, domain string) *delivery.DomainReport {
		r := &delivery.DomainReport{Domain: domain, Status: delivery.StatusOK, DANE: delivery.DANENone}
		r.Outcome.DANE.Action = delivery.DeliverOpportunistic
		return r
	}
	var skipped []string
	src := &scan.Source{
		Next:  scan.NewListReader(list).Next,
		OnBad: func(le *scan.LineError) { skipped = append(skipped, le.Error()) },
	}
	var out bytes.Buffer
	var sum scan.Summary
	e := &scan.Engine{Check: check, Concurrency: 1, Summary: &sum}
	if _, err := e.Run(context.Background(), src, &out); err != nil {
		fmt.Println(err)
	}
	lines := bufio.NewScanner(&out)
	for lines.Scan() {
		var r delivery.DomainReport
		json.Unmarshal(lines.Bytes(), &r)
		fmt.Println(r.Domain, r.Status, r.Outcome.DANE.Action)
	}
	fmt.Println("skipped", skipped)
	fmt.Println(sum.Domains, "domains,", src.Duplicates, "duplicate")
	// Output:
	// example.org ok deliver-opportunistic
	// xn--bcher-kva.example ok deliver-opportunistic
	// skipped [line 5: "not a domain": more than one word; put one domain per line]
	// 2 domains, 1 duplicate
}
