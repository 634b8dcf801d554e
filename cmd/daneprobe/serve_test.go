package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// serveProc is a running "daneprobe serve" binary.
type serveProc struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs []map[string]any
	done chan error
}

// startServe starts the built binary with args and --listen on a free
// loopback port and JSON logs, and waits for its "serving" line.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	bin := daneprobeBinary(t)
	all := append([]string{"serve", "--listen", "127.0.0.1:0", "--log-format", "json"}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan error, 1)}
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				line = map[string]any{"msg": "NOT JSON: " + sc.Text()}
			}
			p.mu.Lock()
			p.logs = append(p.logs, line)
			p.mu.Unlock()
			if line["msg"] == "serving" {
				urlCh <- line["url"].(string)
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	select {
	case p.url = <-urlCh:
	case err := <-p.done:
		t.Fatalf("serve exited before serving: %v\n%s", err, p.logText())
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not start:\n%s", p.logText())
	}
	p.url = strings.TrimSuffix(p.url, "/")
	return p
}

func (p *serveProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.logs {
		j, _ := json.Marshal(l)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func (p *serveProc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls the service until cond holds for the body of path (a
// generous bound: the machine is loaded).
func (p *serveProc) waitFor(t *testing.T, path, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		code, body := p.get(t, path)
		if code == 200 && cond(body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s at %s; last answer %d:\n%s\nlogs:\n%s", what, path, code, body, p.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// "daneprobe serve" against the mail world: every scenario is checked at
// start with the verdict check reaches, /probe and /metrics answer, SIGHUP
// reads the list again, SIGTERM stops it cleanly.
func TestServeBinary(t *testing.T) {
	w, dir, flags := startWorldWithFlags(t, testworld.MailOptions{})
	var names []string
	want := map[string]string{}
	for _, s := range w.Scenarios {
		names = append(names, s.Domain)
		want[s.Domain] = s.Status
	}
	list := filepath.Join(dir, "domains.txt")
	if err := os.WriteFile(list, []byte("# monitored\n"+strings.Join(names, "\n")+"\nnot a domain\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, append(flags, "--domains", list, "--interval", "1h", "--timeout", "5s", "--helo", "serve.daneprobe.test", "--concurrency", "8")...)

	if code, body := p.get(t, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	body := p.waitFor(t, "/api/v1/domains", "every domain checked", func(b string) bool {
		var reps []json.RawMessage
		return json.Unmarshal([]byte(b), &reps) == nil && len(reps) == len(names)
	})
	var reps []struct {
		Domain, Status string
	}
	if err := json.Unmarshal([]byte(body), &reps); err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		if r.Status != want[r.Domain] {
			t.Errorf("%s: status %s, want %s", r.Domain, r.Status, want[r.Domain])
		}
	}
	if !strings.Contains(p.logText(), "skipping a bad line") {
		t.Errorf("the bad list line was not logged:\n%s", p.logText())
	}

	_, metricsBody := p.get(t, "/metrics")
	for _, d := range names {
		if !strings.Contains(metricsBody, fmt.Sprintf("daneprobe_status{domain=%q}", d)) {
			t.Errorf("/metrics lacks the status of %s", d)
		}
	}
	if !strings.Contains(metricsBody, fmt.Sprintf("daneprobe_checks_total{trigger=\"schedule\"} %d\n", len(names))) {
		t.Errorf("/metrics: want %d scheduled checks:\n%s", len(names), grepLines(metricsBody, "daneprobe_check"))
	}
	code, probe := p.get(t, "/probe?target="+names[0])
	if code != 200 || !strings.Contains(probe, "probe_success 1") {
		t.Errorf("/probe of %s: %d\n%s", names[0], code, probe)
	}
	if code, _ := p.get(t, "/probe?target=elsewhere.example"); code != http.StatusForbidden {
		t.Errorf("/probe of an unlisted domain: %d, want 403", code)
	}
	code, page := p.get(t, "/domain/"+names[0])
	if code != 200 || !strings.Contains(page, "<svg") {
		t.Errorf("/domain/%s: %d", names[0], code)
	}

	// SIGHUP: a shorter list replaces the old one.
	if err := os.WriteFile(list, []byte(names[0]+"\n"+names[1]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	// The whole line: "daneprobe_scheduled_domains 2" is also how the
	// old list's count (20 and more) begins.
	p.waitFor(t, "/metrics", "the list read again", func(b string) bool { return strings.Contains(b, "\ndaneprobe_scheduled_domains 2\n") })
	if code, _ := p.get(t, "/probe?target="+names[2]); code != http.StatusForbidden {
		t.Errorf("/probe of a domain dropped from the list: %d, want 403", code)
	}

	// SIGTERM: a clean stop, exit status 0.
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, p.logText())
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve did not stop within a minute of SIGTERM:\n%s", p.logText())
	}
	if !strings.Contains(p.logText(), `"msg":"stopped"`) {
		t.Errorf("no stop line:\n%s", p.logText())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Bad flags are usage errors: one line, exit status 3.
func TestServeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("not a domain\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", "xml"}, "--log-format must be text or json"},
		{[]string{"--interval", "10ms"}, "--interval must be at least 1s"},
		{[]string{"--domains", filepath.Join(dir, "missing.txt")}, "--domains: read domain list"},
		{[]string{"--domains", empty}, "no domain name in it"},
		{[]string{"--listen", "127.0.0.1:99999"}, "--listen:"},
		{[]string{"extra"}, "serve takes no arguments"},
	} {
		r := runBinary(t, nil, "", append([]string{"serve", "--resolver", "127.0.0.1:1"}, tc.args...)...)
		if r.code != 3 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("serve %v: exit %d, stderr %q; want 3 and one line with %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// stopServe sends SIGTERM and waits for a clean exit.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, p.logText())
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve did not stop within a minute of SIGTERM:\n%s", p.logText())
	}
}

// With --state the results go to the history store: a restarted service
// shows the stored results at once, and the history API lists the runs
// of both processes.
func TestServeStateSurvivesRestart(t *testing.T) {
	w, dir, flags := startWorldWithFlags(t, testworld.MailOptions{})
	names := []string{w.Scenarios[0].Domain, w.Scenarios[1].Domain, w.Scenarios[2].Domain}
	list := filepath.Join(dir, "domains.txt")
	os.WriteFile(list, []byte(strings.Join(names, "\n")+"\n"), 0o644)
	state := filepath.Join(dir, "state.db")
	args := append(flags, "--domains", list, "--state", state, "--timeout", "5s", "--helo", "serve.daneprobe.test")
	countIs := func(n int) func(string) bool {
		return func(b string) bool {
			var reps []json.RawMessage
			return json.Unmarshal([]byte(b), &reps) == nil && len(reps) == n
		}
	}
	p := startServe(t, args...)
	p.waitFor(t, "/api/v1/domains", "every domain checked", countIs(len(names)))
	p.stop(t)

	p = startServe(t, args...)
	if code, body := p.get(t, "/api/v1/domains"); code != 200 || !countIs(len(names))(body) {
		t.Errorf("right after a restart /api/v1/domains holds no stored results: %d %s", code, body)
	}
	p.waitFor(t, "/api/v1/domains/"+names[0]+"/history", "two runs", func(b string) bool {
		var runs []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		return json.Unmarshal([]byte(b), &runs) == nil && len(runs) == 2 && runs[1].ID > runs[0].ID
	})
	p.stop(t)
}
