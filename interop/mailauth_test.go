package interop

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/needtool"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mailauth"
)

// spfCase is one check_host() question.
type spfCase struct{ ip, sender, domain string }

// TestSPFInterop compares check_host() results, and the lookup counts
// where the other side reports them, with two independent SPF
// implementations, pyspf (python3-spf) and Mail::SPF (libmail-spf-perl),
// over the mail-authentication area of the test world. Both ask the
// world's DNS server directly; we ask through our validating resolver.
func TestSPFInterop(t *testing.T) {
	py := "/usr/bin/python3"
	missing := []string{}
	if err := exec.Command(py, "-c", "import spf").Run(); err != nil {
		missing = append(missing, "python3-spf")
	}
	if err := exec.Command("perl", "-MMail::SPF", "-MNet::DNS", "-e", "1").Run(); err != nil {
		missing = append(missing, "libmail-spf-perl")
	}
	if len(missing) > 0 {
		needtool.Unavailable(t, "SPF interop: missing; install with: apt-get install "+strings.Join(missing, " "))
	}
	w, err := testworld.StartMail(testworld.MailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	var anchors []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{w.Resolver()}, TrustAnchors: anchors, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var cases []spfCase
	domains := []string{"dane-ee." + testworld.MailBase, "shop.dmarc-org.test"}
	for _, s := range w.Auth {
		domains = append(domains, s.Domain)
	}
	for _, d := range domains {
		for _, ip := range []string{"192.0.2.1", "198.51.100.1", "2001:db8::25", "127.0.0.2"} {
			cases = append(cases, spfCase{ip, "someone@" + d, d})
		}
	}
	ours := make([]*mailauth.SPFCheck, len(cases))
	for i, c := range cases {
		ours[i] = mailauth.CheckHost(context.Background(), res, netip.MustParseAddr(c.ip), c.domain, c.sender, c.domain)
	}
	dir := filepath.Join("..", "testdata", "mailauth")
	pyOut := runSPFTool(t, cases, py, filepath.Join(dir, "pyspf_check.py"), w.Resolver())
	plOut := runSPFTool(t, cases, "perl", filepath.Join(dir, "mailspf_check.pl"), w.Resolver())
	agree, lookupsAgree := 0, 0
	seen := map[mailauth.SPFResult]int{}
	for i, c := range cases {
		seen[ours[i].Result]++
		py := strings.Fields(pyOut[i])
		for impl, theirs := range map[string]string{"pyspf": py[0], "Mail::SPF": plOut[i]} {
			if theirs == string(ours[i].Result) {
				agree++
				continue
			}
			t.Errorf("%s from %s: %s says %s, we say %s (%s; path %v)", c.domain, c.ip, impl, theirs, ours[i].Result, ours[i].Reason, ours[i].Path)
		}
		// pyspf counts the lookups of the terms it evaluated; compare
		// where both finished without error (its count includes the
		// extra terms it tolerates past 10 in its error path).
		if ours[i].Result != mailauth.SPFPermerror && ours[i].Result != mailauth.SPFTemperror && len(py) > 1 {
			if py[1] == fmt.Sprint(ours[i].Lookups) {
				lookupsAgree++
			} else {
				t.Errorf("%s from %s: pyspf counts %s lookups, we count %d", c.domain, c.ip, py[1], ours[i].Lookups)
			}
		}
	}
	t.Logf("%d cases (results %v), %d results agree across 2 implementations, %d lookup counts agree with pyspf", len(cases), seen, agree, lookupsAgree)
	// The comparison means something only when the cases cover the
	// results.
	for _, r := range []mailauth.SPFResult{mailauth.SPFPass, mailauth.SPFFail, mailauth.SPFSoftfail, mailauth.SPFNeutral, mailauth.SPFNone, mailauth.SPFPermerror} {
		if seen[r] == 0 {
			t.Errorf("no case gives %s", r)
		}
	}
}

// runSPFTool runs one implementation's script over the cases and returns
// its output lines.
func runSPFTool(t *testing.T, cases []spfCase, prog, script, server string) []string {
	t.Helper()
	var in strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&in, "%s %s %s\n", c.ip, c.sender, c.domain)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, script, server)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", prog, script, err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(cases) {
		t.Fatalf("%s: %d lines for %d cases:\n%s", script, len(lines), len(cases), out)
	}
	return lines
}
