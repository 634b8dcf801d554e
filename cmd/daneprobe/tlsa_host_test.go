package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestTLSAHost fetches the chain live over STARTTLS from a test SMTP
// server: generate prints the server key's records, verify matches or
// rejects records against it, and a server without STARTTLS is a clear
// one-line error.
func TestTLSAHost(t *testing.T) {
	const host = "mx.host.test"
	leaf, err := testworld.SelfSigned(testworld.CertOptions{DNSNames: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testworld.StartSMTP(testworld.SMTPOptions{Certificate: leaf.TLSCertificate(), Hostname: host})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	plain, err := testworld.StartSMTP(testworld.SMTPOptions{Kind: testworld.SMTPNoStartTLS, Hostname: host})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_, port, _ := net.SplitHostPort(srv.Addr)
	_, plainPort, _ := net.SplitHostPort(plain.Addr)
	sum := sha256.Sum256(leaf.Cert.RawSubjectPublicKeyInfo)
	rec := "3 1 1 " + hex.EncodeToString(sum[:])
	aim := []string{"--host", host, "--connect", "127.0.0.1", "--smtp-port", port}

	runT := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe", "tlsa"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, out, errOut := runT(append([]string{"generate", "--usage", "3"}, aim...)...)
	if code != exitOK || !strings.Contains(out, "_25._tcp."+host+". IN TLSA "+rec) {
		t.Errorf("generate --host: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "fetched from "+host) || srv.Stats().LastSNI != host {
		t.Errorf("generate --host: stderr %q, SNI %q", errOut, srv.Stats().LastSNI)
	}

	code, out, errOut = runT(append(append([]string{"verify"}, aim...), rec)...)
	if code != exitOK || !strings.Contains(out, "match") {
		t.Errorf("verify --host, matching record: exit %d\n%s%s", code, out, errOut)
	}
	other := "3 1 1 " + strings.Repeat("ab", 32)
	if code, out, errOut = runT(append(append([]string{"verify"}, aim...), other)...); code != exitCritical {
		t.Errorf("verify --host, other record: exit %d\n%s%s", code, out, errOut)
	}

	// --at, the name the other commands use, is accepted for --time.
	code, out, errOut = runT(append(append([]string{"verify", "--at", "2027-01-01T00:00:00Z"}, aim...), rec)...)
	if code != exitOK || !strings.Contains(out, "match") {
		t.Errorf("verify --at: exit %d\n%s%s", code, out, errOut)
	}

	code, _, errOut = runT("verify", "--host", host, "--connect", "127.0.0.1", "--smtp-port", plainPort, rec)
	if code != exitUnknown || !strings.Contains(errOut, "STARTTLS") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("no STARTTLS: exit %d, stderr %q", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", rec}, "--cert FILE, or --host"},
		{[]string{"generate", "--host", "bad host", "--connect", "127.0.0.1"}, "not a domain name"},
		{[]string{"verify", "--host", host, "--connect", "not-an-ip", rec}, "not an IP address"},
		{[]string{"verify", "--host", host, "--connect", "127.0.0.1", "--smtp-port", "0", rec}, "--smtp-port"},
		{[]string{"verify", "--at", "tomorrow", "--host", host, "--connect", "127.0.0.1", rec}, "tomorrow"},
	} {
		code, _, errOut := runT(c.args...)
		if code != exitUnknown || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
	}
}
