package report_test

import (
	"os"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/report"
)

// A domain that publishes a null MX, rendered for a monitoring system.
// The exit code to return with the line is
// delivery.WorstOf(reports).ExitCode().
func ExampleWriteNagios() {
	r := delivery.DomainReport{
		Domain:   "example.org",
		MXLookup: delivery.Lookup{DNSSEC: dnssec.Secure},
		NullMX:   true,
	}
	delivery.Decide(&r)
	reports := []delivery.DomainReport{r}
	if err := report.WriteNagios(os.Stdout, reports); err != nil {
		panic(err)
	}
	// Output:
	// DANE OK - example.org: accepts no mail (null MX, RFC 7505) | time=0.000s;;;0 mx=0;;;0 addresses=0;;;0 dane_verified=0;;;0 dane_failed=0;;;0 failures=0;;;0 warnings=0;;;0 dns_queries=0;;;0
}

// The text for people starts with the verdict line.
func ExampleWriteText() {
	r := delivery.DomainReport{
		Domain:   "example.net",
		MXLookup: delivery.Lookup{DNSSEC: dnssec.Bogus, Detail: "RRSIG MX example.net. expired"},
	}
	delivery.Decide(&r)
	if err := report.WriteText(os.Stdout, []delivery.DomainReport{r}, false); err != nil {
		panic(err)
	}
	// Output:
	// example.net: CRITICAL - every sender defers: the MX lookup is bogus: RRSIG MX example.net. expired
	//   DANE sender:         defer (the MX lookup is bogus: RRSIG MX example.net.
	//       expired)
	//   MTA-STS sender:      defer (the MX lookup is bogus: RRSIG MX example.net.
	//       expired)
	//   DANE+MTA-STS sender: defer (the MX lookup is bogus: RRSIG MX example.net.
	//       expired)
	//   MX lookup: bogus (RRSIG MX example.net. expired)
	//   MTA-STS: no policy
	//   failures:
	//     dnssec-invalid [dnssec]: the MX lookup is bogus: RRSIG MX example.net.
	//         expired
	//   time 0.000s (dns 0.000s, smtp 0.000s, mta-sts 0.000s), 0 DNS queries
}
