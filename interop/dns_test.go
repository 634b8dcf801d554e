package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// dnsAnswers are the three validators' views of one question.
type dnsAnswers struct {
	res     *dnssec.Result
	resErr  error
	delv    dnssec.Security
	delvOut string
	delvErr error
	unbound dnssec.Security
	ubRcode int
	ubErr   error
	// How long each validator took, for the timing log.
	tDaneprobe, tDelv, tUnbound time.Duration
}

// testDNS asks every question of the DNS scenario table three ways and
// compares: daneprobe's validating stub (through Unbound, with CD set),
// BIND's delv (through Unbound, with CD set, validating itself from the
// same root DS) and Unbound's own validation (the AD bit, or SERVFAIL,
// when asked without CD). The questions are asked concurrently, a few at
// a time (delv is a process per question), then checked one subtest each.
func testDNS(t *testing.T, w *world) {
	r := w.resolver(t)
	anchors := filepath.Join(w.dir, "delv-anchors.conf")
	if err := writeDelvAnchors(anchors, w.anchor); err != nil {
		t.Fatal(err)
	}
	cases := dnsCases()
	answers := make([]dnsAnswers, len(cases))
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			a := &answers[i]
			t0 := time.Now()
			a.res, a.resErr = r.Lookup(ctx, c.name, c.qtype)
			t1 := time.Now()
			a.delv, a.delvOut, a.delvErr = runDelv(ctx, w, anchors, c.name, c.qtype)
			t2 := time.Now()
			a.unbound, a.ubRcode, a.ubErr = askUnbound(w.unbound, c.name, c.qtype)
			a.tDaneprobe, a.tDelv, a.tUnbound = t1.Sub(t0), t2.Sub(t1), time.Since(t2)
		}()
	}
	wg.Wait()
	var sum [3]time.Duration
	for _, a := range answers {
		sum[0] += a.tDaneprobe
		sum[1] += a.tDelv
		sum[2] += a.tUnbound
	}
	t.Logf("%d questions in %v; summed over questions: daneprobe %v (%d upstream queries), delv %v, Unbound %v",
		len(cases), time.Since(start).Round(time.Millisecond), sum[0].Round(time.Millisecond), r.Queries(),
		sum[1].Round(time.Millisecond), sum[2].Round(time.Millisecond))
	for i, c := range cases {
		a := answers[i]
		t.Run(c.name+"/"+dns.TypeToString[c.qtype], func(t *testing.T) {
			if a.resErr != nil {
				t.Errorf("daneprobe lookup: %v", a.resErr)
			} else {
				if a.res.Security != c.want {
					t.Errorf("daneprobe: %s (%s: %s), want %s", a.res.Security, a.res.Reason, a.res.Detail, c.want)
				}
				if c.reason != "" && a.res.Reason != c.reason {
					t.Errorf("daneprobe: reason %s (%s), want %s", a.res.Reason, a.res.Detail, c.reason)
				}
				if c.want != dnssec.Bogus && a.res.Rcode != c.rcode {
					t.Errorf("daneprobe: rcode %s, want %s", dns.RcodeToString[a.res.Rcode], dns.RcodeToString[c.rcode])
				}
			}
			switch {
			case a.delvErr != nil:
				t.Errorf("delv: %v", a.delvErr)
			case a.delv != c.delvWant():
				t.Errorf("delv: %s, want %s; output:\n%s", a.delv, c.delvWant(), a.delvOut)
			}
			switch {
			case a.ubErr != nil:
				t.Errorf("unbound: %v", a.ubErr)
			case a.unbound != c.refWant():
				t.Errorf("unbound: %s (rcode %s), want %s", a.unbound, dns.RcodeToString[a.ubRcode], c.refWant())
			case c.refWant() != dnssec.Bogus && a.ubRcode != c.rcode:
				t.Errorf("unbound: rcode %s, want %s", dns.RcodeToString[a.ubRcode], dns.RcodeToString[c.rcode])
			}
			if c.note != "" && a.res != nil && a.res.Security != a.delv {
				t.Logf("expected difference: daneprobe %s, delv %s: %s", a.res.Security, a.delv, c.note)
			}
		})
	}
}

// writeDelvAnchors writes the root DS records as a BIND trust-anchors
// statement, the form delv -a reads.
func writeDelvAnchors(path string, ds []string) error {
	var b strings.Builder
	b.WriteString("trust-anchors {\n")
	for _, l := range ds {
		rr, err := dns.NewRR(l)
		if err != nil {
			return fmt.Errorf("parse root DS %q: %w", l, err)
		}
		d, ok := rr.(*dns.DS)
		if !ok {
			return fmt.Errorf("root anchor %q is not a DS record", l)
		}
		fmt.Fprintf(&b, "\t%q static-ds %d %d %d %q;\n", d.Hdr.Name, d.KeyTag, d.Algorithm, d.DigestType, d.Digest)
	}
	b.WriteString("};\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// runDelv asks delv, pointed at Unbound with the private root's DS as its
// only trust anchor, and classifies its verdict lines. delv prints one per
// RRset of a CNAME chain; the answer is as weak as its weakest link:
//
//	; fully validated                      -> secure
//	; negative response, fully validated   -> secure
//	; unsigned answer                      -> insecure
//	; negative response, unsigned answer   -> insecure
//	;; resolution failed: ncache ...       -> (a negative answer, see above)
//	;; resolution failed: ...              -> bogus (delv fetches with CD
//	;; validation failed: ...                 set, so a failure is its own
//	                                          validation failing)
func runDelv(ctx context.Context, w *world, anchors, name string, qtype uint16) (dnssec.Security, string, error) {
	host, port, _ := strings.Cut(w.unbound, ":")
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.tb.path("delv"), "@"+host, "-p", port, "-a", anchors, "+root=.",
		"+nomtrace", "+novtrace", name, dns.TypeToString[qtype])
	b, err := cmd.CombinedOutput()
	out := string(b)
	if ctx.Err() != nil {
		return dnssec.Indeterminate, out, fmt.Errorf("delv timed out: %w", ctx.Err())
	}
	got, seen := dnssec.Secure, false
	for _, l := range strings.Split(out, "\n") {
		var s dnssec.Security
		switch {
		case strings.HasPrefix(l, "; fully validated"), strings.HasPrefix(l, "; negative response, fully validated"):
			s = dnssec.Secure
		case strings.HasPrefix(l, "; unsigned answer"), strings.HasPrefix(l, "; negative response, unsigned answer"):
			s = dnssec.Insecure
		case strings.HasPrefix(l, ";; resolution failed: ncache"):
			continue // a negative answer; its verdict line follows
		case strings.HasPrefix(l, ";; resolution failed"), strings.HasPrefix(l, ";; validation failed"):
			s = dnssec.Bogus
		default:
			continue
		}
		seen = true
		if weaker(s, got) {
			got = s
		}
	}
	if !seen {
		return dnssec.Indeterminate, out, fmt.Errorf("unrecognised delv output (%v):\n%s", err, out)
	}
	return got, out, nil
}

// weaker orders statuses: bogus is weaker than insecure, insecure than
// secure.
func weaker(a, b dnssec.Security) bool {
	rank := map[dnssec.Security]int{dnssec.Bogus: 0, dnssec.Indeterminate: 1, dnssec.Insecure: 2, dnssec.Secure: 3}
	return rank[a] < rank[b]
}

// askUnbound asks Unbound without CD, as an ordinary stub would, and
// reads its validation: AD set means secure, SERVFAIL means bogus, an
// answer without AD means insecure.
func askUnbound(addr, name string, qtype uint16) (dnssec.Security, int, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, true)
	m.AuthenticatedData = true
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.Exchange(m, addr)
	}
	if err != nil {
		return dnssec.Indeterminate, 0, err
	}
	switch {
	case r.Rcode == dns.RcodeServerFailure:
		return dnssec.Bogus, r.Rcode, nil
	case r.AuthenticatedData:
		return dnssec.Secure, r.Rcode, nil
	}
	return dnssec.Insecure, r.Rcode, nil
}
