package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// rolloverWorld starts a mail world in one step of the rollover scenario
// and returns check's flags for it.
func rolloverWorld(t *testing.T, r *testworld.Rollover) []string {
	t.Helper()
	_, _, flags := startWorldWithFlags(t, testworld.MailOptions{Rollover: r})
	return flags
}

// rolloverCerts issues the two certificates of the rollover scenario,
// once per test, so that they stay the same across its worlds.
func rolloverCerts(t *testing.T) []*testworld.Leaf {
	t.Helper()
	ca, err := testworld.NewRootCA(testworld.CertOptions{CommonName: "rollover test CA"})
	if err != nil {
		t.Fatal(err)
	}
	host := "mx." + testworld.RolloverScenario + "." + testworld.MailBase
	var certs []*testworld.Leaf
	for range 2 {
		l, err := ca.Issue(testworld.CertOptions{DNSNames: []string{host}})
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, l)
	}
	return certs
}

// TestStateRecordsARollover runs the built binary against a world whose
// TLSA set and certificate change from one run to the next, as in a key
// rollover done right and then done wrong: every run is recorded with
// --state, each reports what changed, --alert-on filters what cron mails,
// and history prints the timeline (issue 13 §3).
func TestStateRecordsARollover(t *testing.T) {
	certs := rolloverCerts(t)
	domain := testworld.RolloverScenario + "." + testworld.MailBase
	state := filepath.Join(t.TempDir(), "state", "history.sqlite")

	steps := []struct {
		name      string
		present   int
		published []int
		code      int
		changes   []string // codes of the "changes" list
		alerted   bool     // printed with --alert-on warning
	}{
		{"first run", 0, []int{0}, exitOK, nil, false},
		{"next key pre-published", 0, []int{0, 1}, exitOK, []string{delivery.ChangeTLSARollover}, false},
		{"next key deployed", 1, []int{0, 1}, exitOK, []string{delivery.ChangeCertRenewed}, false},
		{"old record retired", 1, []int{1}, exitOK, []string{delivery.ChangeTLSARollover}, false},
		{"old key back without its record", 0, []int{1}, exitCritical,
			[]string{delivery.ChangeBrokenRollover, delivery.ChangeDANE, delivery.ChangeStatus}, true},
	}
	for _, s := range steps {
		flags := rolloverWorld(t, &testworld.Rollover{Certs: certs, Present: s.present, Published: s.published})
		args := append([]string{"check", "--json", "--state", state}, flags...)
		// The same steps through --alert-on, each level with a store of
		// its own: "warning" prints only the broken step, "change" every
		// step with a change.
		for _, a := range []struct {
			level string
			want  bool
		}{{"warning", s.alerted}, {"change", len(s.changes) > 0}} {
			q := runBinary(t, nil, "", append(append([]string{"check", "--state", state + "." + a.level, "--alert-on", a.level}, flags...), domain)...)
			if printed := strings.Contains(q.stdout, domain); printed != a.want || q.code != s.code {
				t.Errorf("%s: --alert-on %s: exit %d, printed %v, want %v\n%s%s", s.name, a.level, q.code, printed, a.want, q.stdout, q.stderr)
			}
		}
		r := runBinary(t, nil, "", append(args, domain)...)
		if r.code != s.code {
			t.Fatalf("%s: exit %d, want %d\n%s%s", s.name, r.code, s.code, r.stdout, r.stderr)
		}
		var rep struct {
			Changes []delivery.Change `json:"changes"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%s: %v\n%s", s.name, err, r.stdout)
		}
		var got []string
		for _, c := range rep.Changes {
			got = append(got, c.Code)
		}
		if strings.Join(got, " ") != strings.Join(s.changes, " ") {
			t.Errorf("%s: changes %v, want %v\n%+v", s.name, got, s.changes, rep.Changes)
		}
	}

	h := runBinary(t, nil, "", "history", "--state", state, domain)
	if h.code != exitOK || strings.Count(h.stdout, "\n") < 1+len(steps) || !strings.Contains(h.stdout, "critical broken-rollover") || !strings.Contains(h.stdout, "5 recorded runs") {
		t.Errorf("history: exit %d\n%s%s", h.code, h.stdout, h.stderr)
	}
	hj := runBinary(t, nil, "", "history", "--json", "--state", state, domain)
	var tl struct {
		Runs []struct {
			Status  string            `json:"status"`
			Changes []delivery.Change `json:"changes"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(hj.stdout), &tl); err != nil || len(tl.Runs) != len(steps) || tl.Runs[len(steps)-1].Status != "critical" {
		t.Errorf("history --json: %v\n%s", err, hj.stdout)
	}
	none := runBinary(t, nil, "", "history", "--state", state, "other.example")
	if none.code != exitWarning || !strings.Contains(none.stdout, "no recorded run") {
		t.Errorf("history of an unknown domain: exit %d\n%s", none.code, none.stdout)
	}
}

// TestStateRefusals: a store that cannot be used stops check before it
// checks anything, in one line, with exit status 3, and leaves the file
// as it was.
func TestStateRefusals(t *testing.T) {
	dir := t.TempDir()
	notOurs := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notOurs, []byte("my notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro.sqlite")
	// Made by a real run, then write-protected.
	flags := rolloverWorld(t, nil)
	if r := runBinary(t, nil, "", append(append([]string{"check", "--state", readOnly}, flags...), "dane-ee.mail.test")...); r.code != exitOK {
		t.Fatalf("first run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := os.Chmod(readOnly, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{notOurs, "not a daneprobe history store"},
		{readOnly, "read-only"},
		{dir, "not a daneprobe history store"},
	} {
		before, _ := os.ReadFile(tc.path)
		r := runBinary(t, nil, "", append(append([]string{"check", "--state", tc.path}, flags...), "dane-ee.mail.test")...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != exitUnknown || r.stdout != "" || len(lines) != 1 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "--state") {
			t.Errorf("--state %s: exit %d, stdout %q, stderr %q", tc.path, r.code, r.stdout, r.stderr)
		}
		after, _ := os.ReadFile(tc.path)
		if string(before) != string(after) {
			t.Errorf("--state %s: the file was changed", tc.path)
		}
	}
	for _, bad := range [][]string{{"--alert-on", "sometimes"}, {"--since", "yesterday"}} {
		cmd := "check"
		if bad[0] == "--since" {
			cmd = "history"
		}
		r := runBinary(t, nil, "", cmd, bad[0], bad[1], "dane-ee.mail.test")
		if r.code != exitUnknown || !strings.Contains(r.stderr, bad[0]) {
			t.Errorf("%s %s: exit %d, stderr %q", cmd, strconv.Quote(bad[1]), r.code, r.stderr)
		}
	}
	if r := runBinary(t, nil, "", "history", "--state", filepath.Join(dir, "missing.sqlite"), "a.example"); r.code != exitUnknown || !strings.Contains(r.stderr, "no history store") {
		t.Errorf("history of a missing store: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestScanState: scan --state records every domain, and each JSON line
// of the next scan holds what changed for its domain.
func TestScanState(t *testing.T) {
	certs := rolloverCerts(t)
	domain := testworld.RolloverScenario + "." + testworld.MailBase
	dir := t.TempDir()
	state, list := filepath.Join(dir, "h.sqlite"), filepath.Join(dir, "domains.txt")
	if err := os.WriteFile(list, []byte(domain+"\nnull-mx.mail.test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var last map[string][]string
	for _, present := range []int{0, 1} {
		flags := rolloverWorld(t, &testworld.Rollover{Certs: certs, Present: present, Published: []int{0}})
		r := runBinary(t, nil, "", append(append([]string{"scan", "--state", state}, flags...), list)...)
		last = map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var rep struct {
				Domain  string            `json:"domain"`
				Changes []delivery.Change `json:"changes"`
			}
			if err := json.Unmarshal([]byte(line), &rep); err != nil {
				t.Fatalf("scan line %q: %v\n%s", line, err, r.stderr)
			}
			last[rep.Domain] = nil
			for _, c := range rep.Changes {
				last[rep.Domain] = append(last[rep.Domain], c.Code)
			}
		}
		if len(last) != 2 {
			t.Fatalf("scan wrote %d domains: %s%s", len(last), r.stdout, r.stderr)
		}
	}
	if got := last[domain]; len(got) == 0 || got[0] != delivery.ChangeBrokenRollover {
		t.Errorf("second scan: changes of %s = %v, want broken-rollover first", domain, got)
	}
	if got := last["null-mx.mail.test"]; len(got) != 0 {
		t.Errorf("second scan: a null MX domain changed: %v", got)
	}
	h := runBinary(t, nil, "", "history", "--json", "--state", state, "null-mx.mail.test")
	if !strings.Contains(h.stdout, `"runs"`) || strings.Count(h.stdout, `"checked_at"`) != 2 {
		t.Errorf("history after two scans:\n%s%s", h.stdout, h.stderr)
	}
}

// TestStateInterruptRecordsNothing: a check interrupted by Ctrl-C (here
// SIGINT once the world has seen the first query, long before the first
// domain can finish) records no run at all.
func TestStateInterruptRecordsNothing(t *testing.T) {
	w, _, flags := startWorldWithFlags(t, testworld.MailOptions{Delay: time.Second})
	state := filepath.Join(t.TempDir(), "h.sqlite")
	cmd := exec.Command(daneprobeBinary(t), append(append([]string{"check", "--state", state}, flags...), "dane-ee.mail.test", "null-mx.mail.test")...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for w.DNS.Queries() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUnknown {
		t.Fatalf("interrupted check: %v, want exit %d\n%s", err, exitUnknown, stderr.String())
	}
	h := runBinary(t, nil, "", "history", "--json", "--state", state, "dane-ee.mail.test")
	if strings.Contains(h.stdout, `"checked_at"`) {
		t.Errorf("an interrupted run was recorded:\n%s", h.stdout)
	}
}
