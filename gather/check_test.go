package gather_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// startMail starts the mail world and a checker pointed at it.
func startMail(t testing.TB, opts testworld.MailOptions) (*testworld.Mail, *gather.Checker, *dnssec.Resolver) {
	t.Helper()
	w, err := testworld.StartMail(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, newChecker(t, w), nil
}

// newChecker returns a checker with a fresh (cold) resolver.
func newChecker(t testing.TB, w *testworld.Mail) *gather.Checker {
	t.Helper()
	var anchors []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{w.Resolver()}, TrustAnchors: anchors, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &gather.Checker{
		Resolver:   res,
		Port:       w.Port,
		EHLOName:   "checker.daneprobe.test",
		Timeout:    5 * time.Second,
		Deadline:   30 * time.Second,
		Roots:      w.CA.Pool(),
		PolicyPort: w.PolicyPort,
	}
}

// TestCheckCatalogue runs the gatherer over every curated domain of the
// mail world and compares the verdicts with the catalogue's.
func TestCheckCatalogue(t *testing.T) {
	w, c, _ := startMail(t, testworld.MailOptions{})
	for _, s := range w.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			r := c.Check(context.Background(), s.Domain)
			if string(r.Status) != s.Status || string(r.DANE) != s.DANE || string(r.MTASTS.Result) != s.MTASTS {
				t.Errorf("%s: status %s dane %s mta_sts %s, want %s %s %s\nsummary: %s\nfailures: %+v\nwarnings: %+v\nerror: %s",
					s.Domain, r.Status, r.DANE, r.MTASTS.Result, s.Status, s.DANE, s.MTASTS, r.Summary, r.Failures, r.Warnings, r.Error)
			}
			if got := r.Status.ExitCode(); got != s.ExitCode {
				t.Errorf("exit code %d, want %d", got, s.ExitCode)
			}
		})
	}
}

// TestCheckCNAMEBaseDomain checks RFC 7672 §2.2.3: the TLSA base domain
// of a CNAME'd MX host is the expanded name, which is also the SNI sent
// and the first reference identifier.
func TestCheckCNAMEBaseDomain(t *testing.T) {
	w, c, _ := startMail(t, testworld.MailOptions{})
	s, _ := w.Scenario("cname-mx")
	r := c.Check(context.Background(), s.Domain)
	if len(r.MX) != 1 {
		t.Fatalf("MX: %+v", r.MX)
	}
	m := r.MX[0]
	target := "smtp.provider." + testworld.MailBase
	if m.Canonical != target || m.TLSA == nil || m.TLSA.BaseDomain != target {
		t.Fatalf("canonical %q, TLSA %+v", m.Canonical, m.TLSA)
	}
	if len(m.ReferenceIDs) == 0 || m.ReferenceIDs[0] != target {
		t.Errorf("reference IDs %v", m.ReferenceIDs)
	}
	found := false
	for _, ip := range w.Addresses() {
		if st, _ := w.Stats(ip); st.LastSNI == target {
			found = true
		}
	}
	if !found {
		t.Errorf("no server saw SNI %s", target)
	}
}

// TestCheckInsecureNoTLSA checks RFC 7672 §2.2.2: with insecure address
// records no TLSA records are reported, and the domain is unprotected.
func TestCheckInsecureNoTLSA(t *testing.T) {
	w, c, _ := startMail(t, testworld.MailOptions{})
	s, _ := w.Scenario("unprotected")
	r := c.Check(context.Background(), s.Domain)
	if len(r.MX) != 1 || r.MX[0].TLSA != nil || r.MX[0].DNSSEC != dnssec.Insecure {
		t.Fatalf("MX %+v", r.MX)
	}
	if r.Warnings[0].Code != delivery.WarnNoProtection {
		t.Errorf("warnings %+v", r.Warnings)
	}
}

// TestCheckFamilies checks -4 and -6: the other family is neither looked
// up nor probed.
func TestCheckFamilies(t *testing.T) {
	w, c, _ := startMail(t, testworld.MailOptions{})
	s, _ := w.Scenario("dual-stack")
	c4 := *c
	c4.IPv4Only = true
	r := c4.Check(context.Background(), s.Domain)
	for _, m := range r.MX {
		if m.AAAA != nil || len(m.Addresses) != 1 || strings.Contains(m.Addresses[0].IP, ":") {
			t.Errorf("-4: %+v", m)
		}
	}
	c6 := *c
	c6.IPv6Only = true
	r = c6.Check(context.Background(), s.Domain)
	for _, m := range r.MX {
		if m.A != nil {
			t.Errorf("-6: A looked up: %+v", m)
		}
	}
	both := *c
	both.IPv4Only, both.IPv6Only = true, true
	if r := both.Check(context.Background(), s.Domain); r.Status != delivery.StatusUnknown || r.Error == "" {
		t.Errorf("-4 -6: %s %q", r.Status, r.Error)
	}
}

// TestCheckBadInput checks that names that are not domains end unknown
// with an error, never a panic.
func TestCheckBadInput(t *testing.T) {
	c := &gather.Checker{}
	for _, d := range []string{"", "192.0.2.1", "a..b", strings.Repeat("a", 64) + ".example", "exa mple.org"} {
		r := c.Check(context.Background(), d)
		if r.Error == "" || r.Status == delivery.StatusOK {
			t.Errorf("%q: status %s error %q", d, r.Status, r.Error)
		}
	}
}

// TestCheckDeadline checks that a check cut short by its deadline says
// so and does not hang.
func TestCheckDeadline(t *testing.T) {
	w, c, _ := startMail(t, testworld.MailOptions{})
	w.SetDelay(300 * time.Millisecond)
	short := *c
	short.Deadline = 200 * time.Millisecond
	s, _ := w.Scenario("dane-ee")
	start := time.Now()
	r := short.Check(context.Background(), s.Domain)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("check took %s", el)
	}
	if r.Error == "" || !strings.Contains(r.Error, "deadline") {
		t.Errorf("error %q", r.Error)
	}
	if r.Status == delivery.StatusOK {
		t.Errorf("status %s", r.Status)
	}
}

// TestCheckRoundTrips guards the flow's parallelism by counting, not
// timing: the DNS world measures the causal depth of every query (1 plus
// the deepest answer it had sent before the query arrived,
// testworld.DNS.Depths), so the deepest query of a cold check is the
// number of sequential DNS round trips on its critical path. The physical
// limit is 2 (the answer, then its chain of trust: the MX hosts' lookups
// start with the unvalidated MX answer, speculate.go); a CNAME'd MX host
// needs a third (its target is known only from the second answer), and so
// may an unsigned MX host (the walk that proves its addresses insecure
// starts when they arrive, unless the zone's insecure cut is known by
// then). Every question goes upstream once. Serialising the MX hosts' lookups behind the MX
// validation would add one, the policy host's behind the _mta-sts
// validation too. The injected delay only keeps an independent query
// from arriving after another's answer (which would overcount, never
// undercount); the test reads no clock.
func TestCheckRoundTrips(t *testing.T) {
	w, err := testworld.StartMail(testworld.MailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.DNS.SetDelay(50 * time.Millisecond) // DNS only: SMTP on loopback
	for _, tc := range []struct {
		scenario string
		depth    int
	}{
		{"dane-ee", 2},
		{"dual-stack", 2},
		{"cname-mx", 3},
		// 2 since concurrent walks share the zone cut (30 of 30 runs);
		// 3 only if a host's walk claimed names before the MX's did.
		{"sts-enforce", 3},
	} {
		s, ok := w.Scenario(tc.scenario)
		if !ok {
			t.Fatalf("no scenario %s", tc.scenario)
		}
		c := newChecker(t, w) // cold cache
		w.DNS.ResetDepths()
		r := c.Check(context.Background(), s.Domain)
		if string(r.Status) != s.Status || string(r.DANE) != s.DANE {
			t.Fatalf("%s: status %s dane %s, want %s %s: %s", tc.scenario, r.Status, r.DANE, s.Status, s.DANE, r.Summary)
		}
		qs, deepest := w.DNS.Depths()
		// At least 2: the chain of trust can only be asked for once an
		// answer names its signer (or, unsigned, its owner).
		if deepest > tc.depth || deepest < 2 {
			t.Errorf("%s: %d sequential DNS round trips, want 2 to %d; the queries, deepest first: %+v", tc.scenario, deepest, tc.depth, qs)
		}
		for _, q := range qs {
			if q.Count != 1 {
				t.Errorf("%s: %s went upstream %d times", tc.scenario, q.Question, q.Count)
			}
		}
		if len(qs) == 0 || qs[len(qs)-1].Depth != 1 {
			t.Errorf("%s: no query at depth 1: %+v", tc.scenario, qs)
		}
		t.Logf("%s: depth %d, %d questions, %d queries: %+v", tc.scenario, deepest, len(qs), r.Timings.Queries, qs)
	}
}
