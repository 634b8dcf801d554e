package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// scanWorld is a mail world with synthetic domains and the flags that
// point scan at it.
type scanWorld struct {
	*testworld.Mail
	flags []string
	dir   string
}

func startScanWorld(t *testing.T, synthetic, mx int) *scanWorld {
	t.Helper()
	w, dir, flags := startWorldWithFlags(t, testworld.MailOptions{Synthetic: synthetic, SyntheticMX: mx})
	return &scanWorld{Mail: w, dir: dir, flags: append(flags,
		"--helo", "scanner.daneprobe.test", "--timeout", "5s", "--domain-timeout", "30s")}
}

// scan runs "daneprobe scan" with the world's flags and extra args.
func (w *scanWorld) scan(ctx context.Context, t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	all := append(append([]string{"daneprobe", "scan"}, w.flags...), args...)
	code := run(ctx, all, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeList writes domains (and extra raw lines) to a list file.
func (w *scanWorld) writeList(t *testing.T, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(w.dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readReports parses a JSON-lines output; every line must be a whole
// report and no domain may appear twice.
func readReports(t *testing.T, b []byte) map[string]delivery.DomainReport {
	t.Helper()
	out := map[string]delivery.DomainReport{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var r delivery.DomainReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line does not parse: %v\n%.200s", err, sc.Text())
		}
		if _, dup := out[r.Domain]; dup {
			t.Fatalf("%s written twice", r.Domain)
		}
		out[r.Domain] = r
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatal("output ends with a cut line")
	}
	return out
}

// TestScanEndToEnd scans synthetic and curated domains with bad lines and
// duplicates in the list, and checks the output lines, the summary, the
// exit status and the per-address connection cap as counted by the test
// SMTP servers themselves.
func TestScanEndToEnd(t *testing.T) {
	w := startScanWorld(t, 120, 10)
	lines := []string{"# recipients", "not a domain", ""}
	want := map[string]bool{}
	for _, d := range w.Synthetic {
		lines = append(lines, d, strings.ToUpper(d)+".") // each twice
		want[d] = true
	}
	for _, s := range w.Scenarios {
		lines = append(lines, s.Domain)
		want[s.Domain] = true
	}
	list := w.writeList(t, "list.txt", lines)
	out := filepath.Join(w.dir, "out.jsonl")
	sum := filepath.Join(w.dir, "summary.txt")
	code, stdout, stderr := w.scan(context.Background(), t, "--out", out, "--summary", sum, "--concurrency", "32", "--per-ip", "2", list)
	if code != exitCritical {
		t.Errorf("exit %d, want %d (some domains defer); stderr:\n%s", code, exitCritical, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout with --out: %q", stdout)
	}
	if !strings.Contains(stderr, `line 2: "not a domain"`) {
		t.Errorf("bad line not reported: %s", stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := readReports(t, b)
	if len(got) != len(want) {
		t.Errorf("%d reports, want %d", len(got), len(want))
	}
	for d := range want {
		if _, ok := got[d]; !ok {
			t.Errorf("no report for %s", d)
		}
	}
	// The curated scenarios reach the same verdicts as in check.
	for _, s := range w.Scenarios {
		r := got[s.Domain]
		if string(r.Status) != s.Status || string(r.DANE) != s.DANE {
			t.Errorf("%s: status %s dane %s, want %s %s", s.Domain, r.Status, r.DANE, s.Status, s.DANE)
		}
	}
	sb, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	text := string(sb)
	for _, wantText := range []string{
		fmt.Sprintf("Scan summary: %d domains", len(want)),
		"1 bad lines, 120 duplicates",
		"A DANE-enforcing sender would DEFER mail to:",
		"DANE verified on every MX:",
		"DNS queries",
	} {
		if !strings.Contains(text, wantText) {
			t.Errorf("summary lacks %q:\n%s", wantText, text)
		}
	}
	// Politeness: no server ever saw more than 2 connections at once.
	// Sharing: each (address, SNI) is probed once per scan, so the
	// servers see about one TLS handshake per address, not one per domain.
	handshakes := int64(0)
	for _, ip := range w.Addresses() {
		st, _ := w.Stats(ip)
		if st.Peak > 2 {
			t.Errorf("%s: peak %d concurrent connections, cap 2", ip, st.Peak)
		}
		handshakes += st.Handshakes
	}
	if max := int64(2 * len(w.Addresses())); handshakes > max {
		t.Errorf("%d TLS handshakes for %d domains on %d addresses: probes are not shared (want at most %d)", handshakes, len(want), len(w.Addresses()), max)
	}
	if !strings.Contains(text, "probe results shared") {
		t.Errorf("summary does not report the shared probes:\n%s", text)
	}
}

// TestScanInterruptResume cancels a scan mid-way (Ctrl-C), checks that the
// output holds only whole lines, cuts the last line as a crash would, and
// resumes: in the end every domain is in the file exactly once.
func TestScanInterruptResume(t *testing.T) {
	w := startScanWorld(t, 200, 10)
	list := w.writeList(t, "list.txt", w.Synthetic)
	out := filepath.Join(w.dir, "out.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Cancel once some lines are out.
		for ctx.Err() == nil {
			if b, _ := os.ReadFile(out); bytes.Count(b, []byte("\n")) >= 20 {
				cancel()
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	code, _, stderr := w.scan(ctx, t, "--out", out, "--concurrency", "8", list)
	if code != exitUnknown || !strings.Contains(stderr, "interrupted") || !strings.Contains(stderr, "INTERRUPTED") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	first := readReports(t, b)
	if len(first) < 20 || len(first) >= 200 {
		t.Fatalf("%d lines after the interrupt", len(first))
	}

	// Without --resume the existing output is not overwritten.
	if code, _, stderr := w.scan(context.Background(), t, "--out", out, list); code != exitUnknown || !strings.Contains(stderr, "--resume") {
		t.Fatalf("existing --out without --resume: exit %d, %s", code, stderr)
	}

	// A crash cut the last line in half.
	f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"domain":"` + w.Synthetic[199] + `","status":"o`)
	f.Close()

	code, _, stderr = w.scan(context.Background(), t, "--out", out, "--resume", list)
	if code == exitUnknown {
		t.Fatalf("resume: exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("%d domains already scanned; dropped a cut last line", len(first))) {
		t.Errorf("resume message: %s", stderr)
	}
	if !strings.Contains(stderr, "Scan summary: 200 domains") || !strings.Contains(stderr, fmt.Sprintf("(%d from the earlier run, %d now)", len(first), 200-len(first))) {
		t.Errorf("summary does not cover both runs:\n%s", stderr)
	}
	b, _ = os.ReadFile(out)
	if all := readReports(t, b); len(all) != 200 {
		t.Fatalf("%d domains after resume, want 200", len(all))
	}
}

// TestScanShards runs three shards over the same list: their outputs are
// disjoint and together cover the list.
func TestScanShards(t *testing.T) {
	w := startScanWorld(t, 60, 5)
	list := w.writeList(t, "list.txt", w.Synthetic)
	union := map[string]int{}
	for i := range 3 {
		code, stdout, stderr := w.scan(context.Background(), t, "--shard", fmt.Sprintf("%d/3", i), list)
		if code == exitUnknown {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		if !strings.Contains(stderr, fmt.Sprintf("shard %d/3", i)) {
			t.Errorf("summary does not name the shard: %s", stderr)
		}
		for d := range readReports(t, []byte(stdout)) {
			union[d]++
		}
	}
	if len(union) != len(w.Synthetic) {
		t.Errorf("shards cover %d domains, want %d", len(union), len(w.Synthetic))
	}
	for d, n := range union {
		if n != 1 {
			t.Errorf("%s in %d shards", d, n)
		}
	}
}

// TestScanFromMaillog ranks a Postfix log's recipient domains and scans
// the top two (they do not exist in the test world: NXDOMAIN is a verdict
// too).
func TestScanFromMaillog(t *testing.T) {
	w := startScanWorld(t, 0, 0)
	log := filepath.Join("..", "..", "testdata", "scan", "postfix.log")
	code, stdout, stderr := w.scan(context.Background(), t, "--from-maillog", log, "--top", "2")
	if code == exitUnknown {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := readReports(t, []byte(stdout))
	if len(got) != 2 || got["example.com"].Domain == "" || got["example.net"].Domain == "" {
		t.Errorf("reports for %v, want example.com and example.net", got)
	}
	if !strings.Contains(stderr, "8 Postfix and 0 Exim delivery lines; scanning 2 recipient domains") {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestScanUsageErrors(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "l.txt")
	os.WriteFile(list, []byte("example.org\n"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--resume", list}, "--resume needs --out"},
		{[]string{"--shard", "3/3", list}, "--shard"},
		{[]string{"--shard", "x", list}, "--shard"},
		{[]string{"--concurrency", "0", list}, "--concurrency"},
		{[]string{"--per-ip", "0", list}, "--per-ip"},
		{[]string{"--rate", "-1", list}, "--rate"},
		{[]string{"--top", "3", list}, "--top goes with --from-maillog"},
		{[]string{"--from-maillog", list, list}, "not both"},
		{[]string{"--resolver", "127.0.0.1:1", filepath.Join(dir, "missing.txt")}, "missing.txt"},
		{[]string{"--from-maillog", filepath.Join(dir, "missing.log")}, "missing.log"},
		{[]string{"-4", "-6", list}, "exclude"},
		{[]string{dir}, "is a directory: want a file"},
		{[]string{"--from-maillog", dir}, "--from-maillog: " + dir + " is a directory"},
		{[]string{"--out", filepath.Join(dir, "nodir", "out.jsonl"), list}, "nodir does not exist"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe", "scan", "--resolver", "127.0.0.1:1"}, c.args...), &stdout, &stderr)
		if code != exitUnknown || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 3 and one line with %q", c.args, code, stderr.String(), c.want)
		}
	}
}

// TestScanBadInputLeavesNoOutput: a list that cannot be read is refused
// before --out is created, so that no empty output file is left behind
// (it would make the next run ask for --resume).
func TestScanBadInputLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"daneprobe", "scan", "--resolver", "127.0.0.1:1", "--out", out, filepath.Join(dir, "missing.txt")}, &stdout, &stderr)
	if code != exitUnknown {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--out file created for a missing list: %v", err)
	}
}

// TestNoResolverAnswers: with no upstream answering, check (text) and
// scan say so in one line, exit 3, and scan writes no output; check
// --nagios still prints its UNKNOWN line for the monitoring system.
func TestNoResolverAnswers(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "l.txt")
	if err := os.WriteFile(list, []byte("example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.jsonl")
	dead := []string{"--resolver", "127.0.0.1:1", "--dns-timeout", "300ms"}
	for _, args := range [][]string{
		append(append([]string{"check"}, dead...), "example.org"),
		append(append([]string{"scan"}, dead...), "--out", out, list),
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe"}, args...), &stdout, &stderr)
		if code != exitUnknown || stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 ||
			!strings.Contains(stderr.String(), "no DNS resolver answered (tried 127.0.0.1:1: connection refused): give a recursive resolver") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args[0], code, stdout.String(), stderr.String())
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("scan created --out with no resolver: %v", err)
	}
	// lookup prints its indeterminate verdict, then the same advice;
	// mtasts (whose CRITICAL would blame the domain) only the advice.
	// Both take --dns-timeout as check and scan do.
	for _, args := range [][]string{
		append(append([]string{"lookup"}, dead...), "example.org"),
		append(append([]string{"mtasts"}, dead...), "example.org"),
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe"}, args...), &stdout, &stderr)
		if code != exitUnknown || strings.Count(stderr.String(), "\n") != 1 ||
			!strings.Contains(stderr.String(), "no DNS resolver answered (tried 127.0.0.1:1: connection refused)") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args[0], code, stdout.String(), stderr.String())
		}
		if args[0] == "lookup" && !strings.HasPrefix(stdout.String(), "; security: indeterminate") {
			t.Errorf("lookup: stdout %q", stdout.String())
		}
	}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(append([]string{"daneprobe", "check", "--nagios"}, dead...), "example.org"), &stdout, &stderr)
	if code != exitUnknown || !strings.HasPrefix(stdout.String(), "DANE UNKNOWN - example.org") {
		t.Errorf("--nagios: exit %d, stdout %q", code, stdout.String())
	}
}

func TestScanHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"daneprobe", "scan", "--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--per-ip", "--resume", "--shard", "--from-maillog", "Exit status", "2  CRITICAL"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestScanStdin reads the list from standard input and writes the lines to
// standard output; no progress bar is drawn when standard error is not a
// terminal.
func TestScanStdin(t *testing.T) {
	w := startScanWorld(t, 20, 4)
	var stdout, stderr bytes.Buffer
	app := newApp(&stdout, &stderr)
	app.Reader = strings.NewReader(strings.Join(w.Synthetic, "\n") + "\nbad..name\n")
	err := app.RunContext(context.Background(), append(append([]string{"daneprobe", "scan"}, w.flags...), "-"))
	var ee *exitError
	if err != nil && !(errors.As(err, &ee) && ee.code != exitUnknown) {
		t.Fatalf("scan: %v\n%s", err, stderr.String())
	}
	if got := readReports(t, stdout.Bytes()); len(got) != 20 {
		t.Errorf("%d reports on stdout, want 20", len(got))
	}
	if !strings.Contains(stderr.String(), `line 21: "bad..name"`) || !strings.Contains(stderr.String(), "Scan summary: 20 domains") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "domains/s)") || strings.Contains(stderr.String(), "\r") {
		t.Errorf("a progress bar on a non-terminal:\n%q", stderr.String())
	}
}

// TestNoResolverShortDeadline: a --deadline too short for any answer is
// not reported as a dead resolver; the check reports its own deadline.
func TestNoResolverShortDeadline(t *testing.T) {
	w := startMailWorld(t)
	code, out, errOut := w.check(t, "--deadline", "1ns", "dane-ee.mail.test")
	if code != exitUnknown || strings.Contains(errOut, "no DNS resolver answered") || !strings.HasPrefix(out, "dane-ee.mail.test: UNKNOWN - ") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}
}
