package main

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// The README's try-it recipe, through the binary: "demo --serve" prints a
// ready-to-paste "daneprobe serve" command; run as printed, serve's
// dashboard lists every mail domain of the world with the status word it
// is built to get, and a domain's page shows it.
func TestDemoServeLineServesTheWorld(t *testing.T) {
	bin := daneprobeBinary(t)
	demo := exec.Command(bin, "demo", "--serve")
	out, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		demo.Process.Signal(syscall.SIGINT)
		demo.Wait()
	})
	lineCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "daneprobe serve ") {
				lineCh <- l
			}
		}
		io.Copy(io.Discard, out)
	}()
	var line string
	select {
	case line = <-lineCh:
	case <-time.After(2 * time.Minute):
		t.Fatal("demo --serve printed no serve line")
	}
	// startServe adds --listen on a free port (the printed line uses the
	// default 127.0.0.1:9309) and JSON logs.
	args := strings.Fields(strings.TrimPrefix(line, "daneprobe serve "))
	for _, want := range []string{"--resolver", "--trust-anchor", "--ca-file", "--port", "--policy-port", "--domains"} {
		if !strings.Contains(line, want+" ") {
			t.Errorf("serve line lacks %s: %s", want, line)
		}
	}
	p := startServe(t, args...)

	scenarios := testworld.MailScenarios()
	dash := p.waitFor(t, "/", "every domain checked", func(b string) bool {
		return strings.Count(b, `<tr class="row">`) == len(scenarios) && !strings.Contains(b, "NOT CHECKED")
	})
	for _, s := range scenarios {
		row := regexp.MustCompile(fmt.Sprintf(`<a href="/domain/%s">%s</a></td>\s*<td><span class="status [^"]*">([A-Z]+)</span>`,
			regexp.QuoteMeta(s.Domain), regexp.QuoteMeta(s.Domain)))
		m := row.FindStringSubmatch(dash)
		if m == nil {
			t.Errorf("the dashboard lacks a row for %s", s.Domain)
			continue
		}
		if m[1] != strings.ToUpper(s.Status) {
			t.Errorf("%s: dashboard says %s, want %s", s.Domain, m[1], strings.ToUpper(s.Status))
		}
	}
	code, page := p.get(t, "/domain/tlsa-mismatch."+testworld.MailBase)
	if code != 200 || !strings.Contains(page, "CRITICAL") || !strings.Contains(page, "<svg") {
		t.Errorf("/domain/tlsa-mismatch.%s: %d, want its CRITICAL page with the chain picture", testworld.MailBase, code)
	}
}
