package tlsrpt_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/daneprobe/daneprobe/tlsrpt"
)

// Read reports from files, directories, Maildirs, mbox files or standard
// input, and sum them up one at a time.
func ExampleSummarizer() {
	report := `{
	  "organization-name": "Example Sender",
	  "date-range": {"start-datetime": "2026-12-01T00:00:00Z", "end-datetime": "2026-12-01T23:59:59Z"},
	  "report-id": "2026-12-01_mail.example",
	  "policies": [{
	    "policy": {"policy-type": "sts", "policy-domain": "mail.example", "mx-host": "mx1.mail.example"},
	    "summary": {"total-successful-session-count": 990, "total-failure-session-count": 10},
	    "failure-details": [{"result-type": "certificate-host-mismatch", "sending-mta-ip": "192.0.2.7",
	      "receiving-mx-hostname": "mx1.mail.example", "failed-session-count": 10}]
	  }]
	}`
	rd := &tlsrpt.Reader{Stdin: strings.NewReader(report)}
	s := tlsrpt.NewSummarizer()
	if err := rd.Read(context.Background(), []string{"-"}, s.Add); err != nil {
		fmt.Println(err)
		return
	}
	sum := s.Summary()
	for _, d := range sum.Domains {
		fmt.Printf("%s (%s): %s %% of %d sessions succeeded\n", d.Domain, d.PolicyType, tlsrpt.Percent(d.SuccessRate), d.Successful+d.Failed)
		for _, f := range d.Failures {
			fmt.Printf("  %d x %s at %s, from %s\n", f.Sessions, f.Result, f.MX, f.Senders[0].IP)
		}
	}
	fmt.Println("unusual:", sum.Unusual[0].Notes)
	fmt.Println("status:", sum.Status)
	// Output:
	// mail.example (sts): 99.0 % of 1000 sessions succeeded
	//   10 x certificate-host-mismatch at mx1.mail.example, from 192.0.2.7
	// unusual: [mx-host is a string, not a list]
	// status: warning
}
