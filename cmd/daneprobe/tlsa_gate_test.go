package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestTLSAGate runs the renewal gate ("tlsa verify --from-dns") through
// the built binary against the mail world: certificates are issued for
// real, as a renewal would issue them, and judged against the records the
// world publishes (issue 13 §1).
func TestTLSAGate(t *testing.T) {
	w, dir, flags := startWorldWithFlags(t, testworld.MailOptions{})
	dns := flags[:4] // --resolver, --trust-anchor
	g := w.Gate
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyPEM := func(l *testworld.Leaf) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(l.Key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	certPEM := func(c *x509.Certificate) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	issue := func(ca *testworld.CA, o testworld.CertOptions) *testworld.Leaf {
		t.Helper()
		l, err := ca.Issue(o)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	rec311 := func(c *x509.Certificate) string {
		sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		return "3 1 1 " + hex.EncodeToString(sum[:])
	}
	rec211 := func(c *x509.Certificate) string { return "2" + rec311(c)[1:] }
	gate := func(host string, args ...string) binRun {
		t.Helper()
		return runBinary(t, nil, "", append(append([]string{"tlsa", "verify", "--from-dns", host}, dns...), args...)...)
	}

	cur := g.Leaves[testworld.GateEEHost]
	sameKey := issue(g.Inter, testworld.CertOptions{DNSNames: []string{testworld.GateEEHost}, Key: cur.Key})
	newKey := issue(g.Inter, testworld.CertOptions{DNSNames: []string{testworld.GateEEHost}})
	sameKeyFile := write("same-key.pem", sameKey.ChainPEM())
	newKeyFile := write("new-key.pem", newKey.ChainPEM())
	owner := "_25._tcp." + testworld.GateEEHost + "."

	t.Run("same key passes", func(t *testing.T) {
		r := gate(testworld.GateEEHost, "--cert", sameKeyFile)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "SAFE TO DEPLOY: the published record 1 (DANE-EE SPKI SHA2-256)") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("new key fails with the record to publish", func(t *testing.T) {
		r := gate(testworld.GateEEHost, "--cert", newKeyFile)
		for _, want := range []string{
			"publish first:\n  " + owner + " IN TLSA " + rec311(newKey.Cert) + "\n",
			"keep (until the new certificate is deployed and another TTL has passed, RFC 7671 §8.1):\n  " + owner + " IN TLSA " + rec311(cur.Cert) + "\n",
			"then wait at least 10m0s (the TLSA RRset's TTL, 10m0s)",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("missing %q", want)
			}
		}
		if r.code != exitCritical || !strings.HasPrefix(r.stdout, "NOT SAFE TO DEPLOY: no published record authenticates the new certificate chain") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// The records printed are the ones a sender needs: published, they match.
		r = runBinary(t, nil, "", "tlsa", "verify", "--cert", newKeyFile, rec311(cur.Cert), rec311(newKey.Cert))
		if r.code != exitOK {
			t.Errorf("the proposed set does not match the new chain: %s", r.stdout)
		}
	})
	t.Run("json", func(t *testing.T) {
		r := gate(testworld.GateEEHost, "--cert", newKeyFile, "--json")
		var out struct {
			Verdict      string   `json:"verdict"`
			Safe         bool     `json:"safe"`
			Owner        string   `json:"owner"`
			DNS          string   `json:"dns"`
			PublishLines []string `json:"publish_lines"`
			KeepLines    []string `json:"keep_lines"`
			Wait         int      `json:"wait_seconds"`
			BaseDomain   string   `json:"base_domain"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if r.code != exitCritical || out.Verdict != "no-match" || out.Safe || out.Owner != owner || out.DNS != "secure" ||
			len(out.PublishLines) != 1 || !strings.HasSuffix(out.PublishLines[0], rec311(newKey.Cert)) || len(out.KeepLines) != 1 ||
			out.Wait != testworld.GateTTL || out.BaseDomain != testworld.GateEEHost {
			t.Fatalf("exit %d %+v", r.code, out)
		}
	})
	t.Run("key only", func(t *testing.T) {
		r := gate(testworld.GateEEHost, "--key", write("new.key", keyPEM(newKey)))
		if r.code != exitCritical || !strings.Contains(r.stdout, owner+" IN TLSA "+rec311(newKey.Cert)) {
			t.Fatalf("new key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = gate(testworld.GateEEHost, "--key", write("cur.key", keyPEM(cur)))
		if r.code != exitOK || !strings.Contains(r.stdout, "authenticates the new key") {
			t.Fatalf("current key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		csr, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{DNSNames: []string{testworld.GateEEHost}}, cur.Key)
		if err != nil {
			t.Fatal(err)
		}
		r = gate(testworld.GateEEHost, "--key", write("cur.csr", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})))
		if r.code != exitOK {
			t.Fatalf("CSR of the current key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("new issuer against 2 1 1", func(t *testing.T) {
		fromNext := issue(g.NextInter, testworld.CertOptions{DNSNames: []string{testworld.GateTAHost}})
		r := gate(testworld.GateTAHost, "--cert", write("next-issuer.pem", fromNext.ChainPEM()))
		if r.code != exitOK || !strings.Contains(r.stdout, "record 2 (DANE-TA SPKI SHA2-256)") {
			t.Fatalf("leaf of the next CA: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = gate(testworld.GateTAHost, "--cert", write("next-ca.pem", certPEM(g.NextInter.Cert)))
		if r.code != exitOK || !strings.Contains(r.stdout, "new issuing CA") {
			t.Fatalf("the next CA alone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		other, err := g.Root.Intermediate(testworld.CertOptions{CommonName: "an unannounced CA 3"})
		if err != nil {
			t.Fatal(err)
		}
		r = gate(testworld.GateTAHost, "--cert", write("ca3.pem", certPEM(other.Cert)))
		if r.code != exitCritical || !strings.Contains(r.stdout, "_25._tcp."+testworld.GateTAHost+". IN TLSA "+rec211(other.Cert)) {
			t.Fatalf("an unpublished CA: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// A leaf for another name from a published CA: DANE-TA checks names
		// (RFC 7672 §3.2), so the gate proposes the name-free "3 1 1".
		wrong := issue(g.Inter, testworld.CertOptions{DNSNames: []string{"elsewhere." + testworld.MailBase}})
		r = gate(testworld.GateTAHost, "--cert", write("wrong-name.pem", wrong.ChainPEM()))
		if r.code != exitCritical || !strings.Contains(r.stdout, "name-mismatch") || !strings.Contains(r.stdout, rec311(wrong.Cert)) {
			t.Fatalf("wrong name: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("CNAME to the provider's base domain", func(t *testing.T) {
		const base = "smtp.provider." + testworld.MailBase
		l := issue(g.Inter, testworld.CertOptions{DNSNames: []string{base}})
		r := gate("mx1.cname-mx."+testworld.MailBase, "--cert", write("provider.pem", l.ChainPEM()))
		if r.code != exitOK || !strings.Contains(r.stdout, "published at _25._tcp."+base+". (secure") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("no records: wait the negative TTL", func(t *testing.T) {
		l := g.Leaves[testworld.GateNoneHost]
		r := gate(testworld.GateNoneHost, "--cert", write("none.pem", l.ChainPEM()))
		if r.code != exitCritical || !strings.Contains(r.stdout, "no TLSA records are published") ||
			!strings.Contains(r.stdout, "_25._tcp."+testworld.GateNoneHost+". IN TLSA "+rec311(l.Cert)) ||
			!strings.Contains(r.stdout, "wait at least 15m0s (the negative-caching TTL") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("insecure zone", func(t *testing.T) {
		l := g.Leaves[testworld.GateInsecureHost]
		r := gate(testworld.GateInsecureHost, "--cert", write("insecure.pem", l.ChainPEM()))
		if r.code != exitCritical || !strings.Contains(r.stdout, "not DNSSEC-signed") || !strings.Contains(r.stdout, rec311(l.Cert)) {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		r := gate("mx1.tlsa-servfail."+testworld.MailBase, "--cert", sameKeyFile)
		if r.code != exitUnknown || !strings.Contains(r.stderr, "cannot tell which TLSA records are published") || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("SERVFAIL: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		other := issue(g.Inter, testworld.CertOptions{DNSNames: []string{testworld.GateEEHost}})
		var reversed []byte
		for i := len(newKey.Chain) - 1; i >= 0; i-- {
			reversed = append(reversed, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: newKey.Chain[i]})...)
		}
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"not PEM", []string{"--cert", write("junk.pem", []byte("this is not a certificate\n"))}, "no certificate"},
			{"key of another certificate", []string{"--cert", newKeyFile, "--key", write("other.key", keyPEM(other))}, "the key does not belong to the certificate"},
			{"combined file with another key", []string{"--cert", write("combined.pem", append(newKey.ChainPEM(), keyPEM(other)...))}, "does not belong"},
			{"chain in the wrong order", []string{"--cert", write("reversed.pem", reversed)}, "the chain is not in order"},
			{"no certificate or key", nil, "--cert FILE"},
			{"records with --from-dns", []string{"--cert", newKeyFile, "3", "1", "1", "00"}, "unexpected arguments"},
		} {
			r := gate(testworld.GateEEHost, tc.args...)
			if r.code != exitUnknown || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, r.code, r.stdout, r.stderr)
			}
		}
		r := runBinary(t, nil, "", "tlsa", "verify", "--cert", newKeyFile, "--key", newKeyFile, "3 1 1 00")
		if r.code != exitUnknown || !strings.Contains(r.stderr, "--from-dns") {
			t.Errorf("--key without --from-dns: exit %d %q", r.code, r.stderr)
		}
	})
}
