package interop

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A real Prometheus scrapes daneprobe serve: /probe of every scenario
// domain (with the relabelling of contrib/prometheus/prometheus.yml) and
// /metrics, with the shipped alerting rules loaded. Its HTTP API must then
// hold probe_success 1 and the expected daneprobe_status of each target,
// the scheduled results from /metrics, and every rule evaluated without
// error.
func TestPrometheusScrapesServe(t *testing.T) {
	bin := monitorTool(t, "prometheus")
	sw := startServeWorld(t)
	dir := t.TempDir()
	ruleFile, err := os.ReadFile(filepath.Join(templateDir(t), "..", "..", "contrib", "prometheus", "daneprobe.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "daneprobe.rules.yml"), ruleFile, 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	var targets []string
	for _, s := range sw.mail.Scenarios {
		want[s.Domain] = s.ExitCode
		targets = append(targets, strconv.Quote(s.Domain))
	}
	var p *daemon
	var api string
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		api = fmt.Sprintf("http://127.0.0.1:%d", port)
		cfg := fmt.Sprintf(`global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files: [daneprobe.rules.yml]
scrape_configs:
  - job_name: daneprobe
    static_configs: [{targets: [%q]}]
  - job_name: daneprobe_probe
    metrics_path: /probe
    scrape_interval: 3s
    scrape_timeout: 3s
    static_configs: [{targets: [%s]}]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: %q
`, sw.addr, strings.Join(targets, ", "), sw.addr)
		if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err = startDaemon(t, dir, fmt.Sprintf("prometheus-%d", attempt), bin, "--config.file=prometheus.yml",
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
		if err != nil {
			t.Fatal(err)
		}
		err = p.waitReady(2*time.Minute, func() error {
			resp, err := http.Get(api + "/-/ready")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("ready: %s", resp.Status)
			}
			return nil
		})
		if err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("start Prometheus: %v", err)
		}
	}

	// Wait until every target has been scraped once.
	var success, status map[string]float64
	deadline := time.Now().Add(3 * time.Minute)
	for {
		success = queryByLabel(t, api, `probe_success{job="daneprobe_probe"}`, "instance")
		status = queryByLabel(t, api, `daneprobe_status{job="daneprobe_probe"}`, "domain")
		if len(success) == len(want) && len(status) == len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes Prometheus has probe_success of %d and daneprobe_status of %d of %d targets\n%s",
				len(success), len(status), len(want), p.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	for d, code := range want {
		if success[d] != 1 {
			t.Errorf("probe_success{instance=%q} = %v, want 1", d, success[d])
		}
		if status[d] != float64(code) {
			t.Errorf("daneprobe_status{domain=%q} from /probe = %v, want %d", d, status[d], code)
		}
	}
	// The scheduled results, from /metrics.
	scheduled := queryByLabel(t, api, `daneprobe_status{job="daneprobe"}`, "domain")
	for d, code := range want {
		if v, ok := scheduled[d]; !ok || v != float64(code) {
			t.Errorf("daneprobe_status{job=daneprobe,domain=%q} from /metrics = %v (present %v), want %d", d, v, ok, code)
		}
	}
	// The service's own counter of probes catches up at the next scrape
	// of /metrics.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		n := queryByLabel(t, api, `daneprobe_checks_total{job="daneprobe",trigger="probe"}`, "trigger")["probe"]
		if n >= float64(len(want)) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the service counted %v probes, want at least %d", n, len(want))
			break
		}
	}
	// The shipped rules load and evaluate without error against these
	// series.
	var rules struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name, Health, LastError string
				}
			}
		}
	}
	getJSON(t, api+"/api/v1/rules", &rules)
	n := 0
	for _, g := range rules.Data.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health != "ok" && r.Health != "unknown" || r.LastError != "" {
				t.Errorf("rule %s: health %s, error %q", r.Name, r.Health, r.LastError)
			}
		}
	}
	if n < 10 {
		t.Errorf("Prometheus loaded %d rules, want the shipped ones", n)
	}
	t.Logf("Prometheus scraped %d /probe targets and /metrics; %d rules loaded", len(want), n)
}

// queryByLabel runs an instant query and returns each result's value by
// the value of label.
func queryByLabel(t *testing.T, api, q, label string) map[string]float64 {
	t.Helper()
	var res struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	getJSON(t, api+"/api/v1/query?query="+url.QueryEscape(q), &res)
	out := map[string]float64{}
	for _, r := range res.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, r.Value)
		}
		out[r.Metric[label]] = v
	}
	return out
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", u, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}
