package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reportRun runs "daneprobe report" with args.
func reportRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"daneprobe", "report"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// summaryBody is a summary without its first lines (sizes, input, work),
// which differ between a scan and a merge.
func summaryBody(t *testing.T, s string) string {
	t.Helper()
	_, body, ok := strings.Cut(s, "\n\n")
	if !ok {
		t.Fatalf("not a summary:\n%s", s)
	}
	return body
}

// TestScanShardIndexEnvAndReport runs a scan as two jobs of a Kubernetes
// Indexed Job would (the same command line, the index in
// JOB_COMPLETION_INDEX), merges their outputs with "daneprobe report" in
// both orders, and compares with one unsharded scan's summary.
func TestScanShardIndexEnvAndReport(t *testing.T) {
	w := startScanWorld(t, 40, 5)
	var domains []string
	for _, s := range w.Scenarios {
		domains = append(domains, s.Domain)
	}
	list := w.writeList(t, "list.txt", append(domains, w.Synthetic...))

	wholeSum := filepath.Join(w.dir, "whole.txt")
	code, _, stderr := w.scan(context.Background(), t, "--out", filepath.Join(w.dir, "whole.jsonl"), "--summary", wholeSum, list)
	if code == exitUnknown {
		t.Fatalf("whole scan: exit %d: %s", code, stderr)
	}
	wantCode := code
	var parts []string
	for i := range 2 {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		part := filepath.Join(w.dir, fmt.Sprintf("part-%d.jsonl", i))
		sum := filepath.Join(w.dir, fmt.Sprintf("part-%d.txt", i))
		code, _, stderr := w.scan(context.Background(), t, "--shard-index-env", "JOB_COMPLETION_INDEX", "--shard-count", "2",
			"--out", part, "--summary", sum, list)
		if code == exitUnknown {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		text, err := os.ReadFile(sum)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), fmt.Sprintf("shard %d/2", i)) {
			t.Errorf("shard %d: the summary does not name the shard:\n%s", i, text)
		}
		parts = append(parts, part)
	}
	whole, err := os.ReadFile(wholeSum)
	if err != nil {
		t.Fatal(err)
	}
	want := summaryBody(t, string(whole))
	for _, order := range [][]string{{parts[0], parts[1]}, {parts[1], parts[0]}} {
		code, stdout, stderr := reportRun(t, order...)
		if code != wantCode {
			t.Errorf("report exit %d, the whole scan's %d: %s", code, wantCode, stderr)
		}
		if got := summaryBody(t, stdout); got != want {
			t.Errorf("merged summary differs from the whole scan's:\n--- merged\n%s\n--- whole\n%s", got, want)
		}
		if !strings.Contains(stdout, fmt.Sprintf("Summary of %d domains from 2 files: %d lines", len(domains)+len(w.Synthetic), len(domains)+len(w.Synthetic))) {
			t.Errorf("header:\n%s", stdout)
		}
	}
	for _, want := range []string{"Adoption (of ", "DANE on every MX:", "DMARC reject:", "Failures:"} {
		if !strings.Contains(string(whole), want) {
			t.Errorf("summary lacks %q:\n%s", want, whole)
		}
	}

	// --json: the machine summary, with the input counts.
	code, stdout, stderr := reportRun(t, "--json", parts[0], parts[1], parts[0])
	if code != wantCode {
		t.Fatalf("report --json: exit %d: %s", code, stderr)
	}
	var js struct {
		Input struct {
			Files, Lines, Duplicates int
		}
		Domains         int
		Status          map[string]int
		DANESender      map[string]int     `json:"dane_sender"`
		FailureReasons  map[string]int     `json:"failure_reasons"`
		Adoption        map[string]int     `json:"adoption"`
		AdoptionPercent map[string]float64 `json:"adoption_percent"`
		DANEDefer       struct {
			Entries []struct{ Domain, Reason string }
			Total   int
		} `json:"dane_defer"`
	}
	if err := json.Unmarshal([]byte(stdout), &js); err != nil {
		t.Fatalf("report --json: %v\n%s", err, stdout)
	}
	n := len(domains) + len(w.Synthetic)
	if js.Domains != n || js.Input.Files != 3 || js.Input.Duplicates == 0 || js.Input.Lines != n+js.Input.Duplicates {
		t.Errorf("json: %d domains, input %+v; want %d domains and the repeated file's lines as duplicates", js.Domains, js.Input, n)
	}
	if js.DANEDefer.Total == 0 || len(js.DANEDefer.Entries) != js.DANEDefer.Total || js.DANESender["defer"] != js.DANEDefer.Total {
		t.Errorf("json defer list %+v, dane_sender %v", js.DANEDefer, js.DANESender)
	}
	if a := js.Adoption["dane_every_mx"]; a == 0 || js.AdoptionPercent["dane_every_mx"] != float64(int(10000*float64(a)/float64(n)+0.5))/100 {
		t.Errorf("adoption %v, percent %v", js.Adoption, js.AdoptionPercent)
	}
	if !strings.Contains(string(whole), fmt.Sprintf("DANE on every MX: %7d", js.Adoption["dane_every_mx"])) {
		t.Errorf("text and JSON disagree on DANE on every MX (%d):\n%s", js.Adoption["dane_every_mx"], whole)
	}
}

// TestReportUsageErrors: one line on stderr and exit status 3.
func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	// A file with lines but no report, as when the summary or the domain
	// list is given instead of the JSON lines; an empty file is a shard
	// with no domains, which merges to nothing without complaint.
	notReports := filepath.Join(dir, "domains.txt")
	if err := os.WriteFile(notReports, []byte("dane-ee.mail.test\n{\"x\": 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := reportRun(t, empty); code != exitOK {
		t.Errorf("report of an empty file: exit %d, %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "give the JSON lines files"},
		{[]string{filepath.Join(dir, "missing.jsonl")}, "no such file"},
		{[]string{dir}, "is a directory"},
		{[]string{"--max-listed", "-1", "x"}, "must not be negative"},
		{[]string{"-", "-"}, "given twice"},
		{[]string{empty, notReports}, "none of its 2 lines is a daneprobe report"},
	} {
		code, _, stderr := reportRun(t, c.args...)
		if code != exitUnknown || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("report %q: exit %d, stderr %q; want 3 and one line with %q", c.args, code, stderr, c.want)
		}
	}
}

// TestScanShardIndexEnvErrors: the environment path refuses what it cannot
// use, as usage errors, before anything is scanned.
func TestScanShardIndexEnvErrors(t *testing.T) {
	t.Setenv("DP_TEST_INDEX", "5")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard-index-env", "DP_TEST_INDEX"}, "needs --shard-count"},
		{[]string{"--shard-count", "4"}, "goes with --shard-index-env"},
		{[]string{"--shard-index-env", "DP_TEST_INDEX", "--shard-count", "4"}, "DP_TEST_INDEX=5, want 0 <= index < 4"},
		{[]string{"--shard-index-env", "DP_TEST_UNSET_VAR", "--shard-count", "4"}, "DP_TEST_UNSET_VAR is not set"},
		{[]string{"--shard-index-env", "DP_TEST_INDEX", "--shard-count", "8", "--shard", "1/8"}, "not both"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append(append([]string{"daneprobe", "scan"}, c.args...), "-"), &stdout, &stderr)
		if code != exitUnknown || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("scan %q: exit %d, stderr %q; want 3 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
