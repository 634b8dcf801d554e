package smtpprobe_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestResultJSON pins the field names callers render.
func TestResultJSON(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPInjectAfter220})
	res, _ := newProber().Probe(context.Background(), target(t, srv))
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"host":`, `"addr":"127.0.0.1:`, `"banner":`, `"extensions":[`, `"starttls_advertised":true`,
		`"starttls_accepted":true`, `"injected_bytes":`, `"tls":{`, `"version_name":"TLS 1.3"`, `"chain_der":[`,
		`"ocsp_stapled":false`, `"steps":[{"step":"connect","outcome":"ok"`, `"outcome":"ok"`, `"ehlo_name":"probe.example.org"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}
