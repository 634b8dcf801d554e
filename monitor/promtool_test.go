package monitor

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/needtool"
)

// promtool returns Prometheus's promtool (needtool: a failure under CI=true
// when missing).
func promtool(t *testing.T) string {
	t.Helper()
	return needtool.Path(t, "promtool", "prometheus")
}

// What /metrics and /probe serve passes "promtool check metrics": syntax
// and Prometheus's naming conventions.
func TestPromtoolAcceptsEndpoints(t *testing.T) {
	bin := promtool(t)
	w := newHTTPWorld(t, HTTPConfig{}, "ok.example", "bad.example", "unknown.example")
	w.runRound(t)
	for _, path := range []string{"/metrics", "/probe?target=bad.example", "/probe?target=unknown.example"} {
		code, _, body := w.get(t, path)
		if code != 200 || !strings.Contains(body, "daneprobe_status{") {
			t.Fatalf("%s: %d\n%s", path, code, body)
		}
		cmd := exec.Command(bin, "check", "metrics")
		cmd.Stdin = strings.NewReader(body)
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("promtool check metrics on %s: %v\n%s", path, err, out)
		}
	}
}
