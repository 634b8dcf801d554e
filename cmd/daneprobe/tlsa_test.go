package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/tlsa"
)

// tlsaFixture is a root -> intermediate -> leaf chain for mx.example.org
// written as PEM files into a temporary directory.
type tlsaFixture struct {
	leaf, inter, root *x509.Certificate
	chainPEM          string // leaf + intermediate
	leafPEM           string // leaf only
	nextKeyPEM        string // a private key for the next certificate
	nextChainPEM      string // next leaf (new key) + intermediate
	nextLeaf          *x509.Certificate
	dir               string
}

func tlsaCert(t *testing.T, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = n
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(30*24*time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newTLSAFixture(t *testing.T) *tlsaFixture {
	t.Helper()
	k := func() *ecdsa.PrivateKey {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	leafT := func() *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: "mx.example.org"}, DNSNames: []string{"mx.example.org"}}
	}
	rk, ik, lk, nk := k(), k(), k(), k()
	f := &tlsaFixture{dir: t.TempDir()}
	f.root = tlsaCert(t, ca("CLI Root"), nil, rk, nil)
	f.inter = tlsaCert(t, ca("CLI Intermediate"), f.root, ik, rk)
	f.leaf = tlsaCert(t, leafT(), f.inter, lk, ik)
	f.nextLeaf = tlsaCert(t, leafT(), f.inter, nk, ik)
	write := func(name string, blocks ...*pem.Block) string {
		var b []byte
		for _, blk := range blocks {
			b = append(b, pem.EncodeToMemory(blk)...)
		}
		p := filepath.Join(f.dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert := func(c *x509.Certificate) *pem.Block { return &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw} }
	f.chainPEM = write("chain.pem", cert(f.leaf), cert(f.inter))
	f.leafPEM = write("leaf.pem", cert(f.leaf))
	f.nextChainPEM = write("next.pem", cert(f.nextLeaf), cert(f.inter))
	der, err := x509.MarshalPKCS8PrivateKey(nk)
	if err != nil {
		t.Fatal(err)
	}
	f.nextKeyPEM = write("next.key", &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return f
}

func (f *tlsaFixture) rec(t *testing.T, c *x509.Certificate, u tlsa.Usage, s tlsa.Selector, m tlsa.MatchingType) string {
	t.Helper()
	r, err := tlsa.Generate(c, u, s, m)
	if err != nil {
		t.Fatal(err)
	}
	return r.String()
}

func (f *tlsaFixture) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runTLSA(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"daneprobe", "tlsa"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTLSAGenerate(t *testing.T) {
	f := newTLSAFixture(t)
	owner := "_25._tcp.mx.example.org. IN TLSA "
	tests := []struct {
		name string
		args []string
		want []string // lines that must appear
		n    int      // number of record lines
	}{
		{"recommended set", []string{"--cert", f.chainPEM},
			[]string{owner + f.rec(t, f.leaf, 3, 1, 1), owner + f.rec(t, f.inter, 2, 1, 1)}, 2},
		{"leaf only", []string{"--cert", f.leafPEM}, []string{owner + f.rec(t, f.leaf, 3, 1, 1)}, 1},
		{"explicit parameters, owner and ttl", []string{"--cert", f.chainPEM, "--usage", "3", "--selector", "0", "--mtype", "2", "--host", "mail.example.net", "--port", "465", "--ttl", "300"},
			[]string{"_465._tcp.mail.example.net. 300 IN TLSA " + f.rec(t, f.leaf, 3, 0, 2)}, 1},
		{"DANE-TA defaults to the issuer", []string{"--cert", f.chainPEM, "--usage", "2", "--mtype", "0"},
			[]string{owner + f.rec(t, f.inter, 2, 1, 0)}, 1},
		{"depth chooses the certificate", []string{"--cert", f.chainPEM, "--usage", "2", "--depth", "0"},
			[]string{owner + f.rec(t, f.leaf, 2, 1, 1)}, 1},
		{"next key pre-published", []string{"--cert", f.chainPEM, "--next", f.nextKeyPEM},
			[]string{owner + f.rec(t, f.leaf, 3, 1, 1), owner + f.rec(t, f.inter, 2, 1, 1), owner + f.rec(t, f.nextLeaf, 3, 1, 1)}, 3},
		{"next chain, same issuer not repeated", []string{"--cert", f.chainPEM, "--next", f.nextChainPEM},
			[]string{owner + f.rec(t, f.nextLeaf, 3, 1, 1)}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runTLSA(t, append([]string{"generate"}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w+"\n") {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if n := strings.Count(out, " IN TLSA "); n != tc.n {
				t.Errorf("%d records, want %d:\n%s", n, tc.n, out)
			}
		})
	}
	t.Run("PKIX usage is generated with a note", func(t *testing.T) {
		code, out, errOut := runTLSA(t, "generate", "--cert", f.chainPEM, "--usage", "0")
		if code != exitOK || !strings.Contains(out, "IN TLSA "+f.rec(t, f.inter, 0, 1, 1)) || !strings.Contains(errOut, "not usable for SMTP") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("json", func(t *testing.T) {
		code, out, _ := runTLSA(t, "generate", "--cert", f.chainPEM, "--json")
		var got []struct {
			Owner  string      `json:"owner"`
			Record tlsa.Record `json:"record"`
			Line   string      `json:"line"`
		}
		if code != exitOK || json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 {
			t.Fatalf("exit %d, output %s", code, out)
		}
		if got[0].Owner != "_25._tcp.mx.example.org." || got[0].Record.String() != f.rec(t, f.leaf, 3, 1, 1) {
			t.Errorf("%+v", got[0])
		}
	})
}

func TestTLSAVerify(t *testing.T) {
	f := newTLSAFixture(t)
	ee := f.rec(t, f.leaf, 3, 1, 1)
	ta := f.rec(t, f.inter, 2, 1, 1)
	rootTA := f.rec(t, f.root, 2, 1, 1)
	eeFields := strings.Fields(ee)
	recFile := f.file(t, "records.txt", "; published set\n\n"+
		"_25._tcp.mx.example.org. 3600 IN TLSA "+strings.ToUpper(ee)+"\n"+
		"# a dig line follows\n"+
		"_25._tcp.mx.example.org.\t300\tIN\tTLSA\t"+ta+"\n"+
		"0 1 1 "+strings.Repeat("00", 32)+"\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"DANE-EE match", []string{"--cert", f.chainPEM, ee}, exitOK,
			[]string{"TLSA MATCH: record 1 (DANE-EE SPKI SHA2-256) matched the leaf (depth 0)", "matched at depth 0 (position 0)", "renew-new-key: breaks"}},
		{"four separate arguments", append([]string{"--cert", f.chainPEM}, eeFields...), exitOK, []string{"TLSA MATCH"}},
		{"DANE-TA match with name", []string{"--cert", f.chainPEM, "--name", "mx.example.org", ta}, exitOK,
			[]string{"matched the certificate at depth 1", "renew-new-key: survives"}},
		{"names not checked without --name", []string{"--cert", f.chainPEM, ta}, exitOK, []string{"names-not-checked"}},
		{"name mismatch", []string{"--cert", f.chainPEM, "--name", "mail.example.net", "--name", "example.net", ta}, exitCritical,
			[]string{"TLSA NO MATCH: name-mismatch", "[mx.example.org]", "[mail.example.net example.net]"}},
		{"TA not in chain", []string{"--cert", f.chainPEM, "--name", "mx.example.org", rootTA}, exitCritical,
			[]string{"TLSA NO MATCH: ta-not-in-chain"}},
		{"expired at a later time", []string{"--cert", f.chainPEM, "--name", "mx.example.org", "--time", time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339), ta}, exitCritical,
			[]string{"TLSA NO MATCH: expired"}},
		{"DANE-EE passes at a later time", []string{"--cert", f.chainPEM, "--time", time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339), ee}, exitOK,
			[]string{"TLSA MATCH", "webpki-expired"}},
		{"unusable set", []string{"--cert", f.chainPEM, "0 1 1 " + strings.Repeat("00", 32), "1 0 1 " + strings.Repeat("00", 32)}, exitUnknown,
			[]string{"TLSA UNUSABLE", "pkix-usage"}},
		{"records from a file", []string{"--cert", f.chainPEM, "--name", "mx.example.org", "--file", recFile}, exitOK,
			[]string{"1. " + ee[:30], "2. " + ta[:30], "3. 0 1 1", "unusable: pkix-usage"}},
		{"next key not yet published", []string{"--cert", f.chainPEM, "--next", f.nextKeyPEM, ee}, exitOK,
			[]string{"next: publish these records", f.rec(t, f.nextLeaf, 3, 1, 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runTLSA(t, append([]string{"verify"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		code, out, _ := runTLSA(t, "verify", "--cert", f.chainPEM, "--json", "--name", "mx.example.org", rootTA, ta)
		var got struct {
			Verdict string `json:"verdict"`
			Match   struct {
				Index, Depth int
			} `json:"match"`
			Records []struct {
				Outcome  string `json:"outcome"`
				Failures []struct {
					Code string `json:"code"`
				} `json:"failures"`
			} `json:"records"`
			Rollover struct {
				Scenarios []struct {
					Change   string `json:"change"`
					Survives bool   `json:"survives"`
				} `json:"scenarios"`
			} `json:"rollover"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
			t.Fatalf("exit %d, %v:\n%s", code, err, out)
		}
		if got.Verdict != "match" || got.Match.Index != 1 || got.Match.Depth != 1 || len(got.Records) != 2 ||
			got.Records[0].Outcome != "not-matched" || got.Records[0].Failures[0].Code != "ta-not-in-chain" || len(got.Rollover.Scenarios) != 3 {
			t.Errorf("%+v", got)
		}
	})
}

func TestTLSAUsageErrors(t *testing.T) {
	f := newTLSAFixture(t)
	noName := f.file(t, "noname.pem", "")
	garbage := f.file(t, "garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	badFile := f.file(t, "bad.txt", "3 1 1 zz\n")
	ee := f.rec(t, f.leaf, 3, 1, 1)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"generate without --cert", []string{"generate"}, "cert"},
		{"generate missing file", []string{"generate", "--cert", filepath.Join(f.dir, "nope.pem")}, "no such file"},
		{"generate empty file", []string{"generate", "--cert", noName}, "no certificate"},
		{"generate bad PEM", []string{"generate", "--cert", garbage}, "certificate 1"},
		{"generate issuer missing", []string{"generate", "--cert", f.leafPEM, "--usage", "2"}, "none at position 1"},
		{"generate bad port", []string{"generate", "--cert", f.chainPEM, "--port", "0"}, "--port"},
		{"generate bad selector", []string{"generate", "--cert", f.chainPEM, "--selector", "7"}, "unknown selector"},
		{"verify without records", []string{"verify", "--cert", f.chainPEM}, "no records"},
		{"verify bad record", []string{"verify", "--cert", f.chainPEM, "3 1 1 xyz"}, "malformed TLSA record"},
		{"verify incomplete record", []string{"verify", "--cert", f.chainPEM, "3", "1", "1"}, "four fields"},
		{"verify incomplete quoted record", []string{"verify", "--cert", f.chainPEM, "1 1 " + strings.Repeat("00", 32), ee}, "malformed TLSA record"},
		{"verify bad file line", []string{"verify", "--cert", f.chainPEM, "--file", badFile}, "bad.txt: line 1: malformed TLSA record"},
		{"verify bad time", []string{"verify", "--cert", f.chainPEM, "--time", "yesterday", ee}, "time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runTLSA(t, tc.args...)
			if code != exitUnknown {
				t.Fatalf("exit %d, want 3; stderr %s", code, errOut)
			}
			if !strings.Contains(errOut, tc.want) || strings.Contains(strings.TrimSpace(errOut), "\n") {
				t.Errorf("stderr %q lacks %q or is not one line", errOut, tc.want)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace on stderr: %s", errOut)
			}
		})
	}
}

// TestTLSAGenerateUndefinedValues: an undefined usage is printed (for
// test setups) with a note that no client can use it; undefined selectors
// and matching types cannot be computed and are usage errors.
func TestTLSAGenerateUndefinedValues(t *testing.T) {
	cert := filepath.Join("..", "..", "testdata", "tlsa", "sha1-chain.pem")
	for _, tc := range []struct {
		flags []string
		note  string
	}{
		{[]string{"--usage", "9"}, "--usage 9 is not a defined value (0-3)"},
	} {
		code, out, errOut := runTLSA(t, append([]string{"generate", "--cert", cert}, tc.flags...)...)
		if code != exitOK || !strings.Contains(errOut, tc.note) || !strings.Contains(out, "IN TLSA") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.flags, code, out, errOut)
		}
	}
	for _, bad := range [][]string{{"--selector", "2"}, {"--mtype", "7"}} {
		if code, _, errOut := runTLSA(t, append([]string{"generate", "--cert", cert}, bad...)...); code != exitUnknown || !strings.Contains(errOut, "unknown") {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errOut)
		}
	}
	if _, _, errOut := runTLSA(t, "generate", "--cert", cert, "--usage", "3"); strings.Contains(errOut, "not a defined value") {
		t.Errorf("note for a defined usage: %q", errOut)
	}
}

func TestTLSAHelp(t *testing.T) {
	for _, sub := range []string{"generate", "verify"} {
		code, out, _ := runTLSA(t, sub, "--help")
		if code != exitOK || !strings.Contains(out, "Exit status") || !strings.Contains(out, "--cert") || !strings.Contains(out, "--json") {
			t.Errorf("%s --help: exit %d\n%s", sub, code, out)
		}
	}
	code, out, _ := runTLSA(t, "--help")
	if code != exitOK || !strings.Contains(out, "generate") || !strings.Contains(out, "verify") {
		t.Errorf("tlsa --help: exit %d\n%s", code, out)
	}
}

var updateTLSAGolden = flag.Bool("update-tlsa", false, "rewrite the golden files of the tlsa command in testdata/tlsa")

// TestTLSAVerifyGolden pins the text output on the OpenSSL-made fixture
// (testdata/tlsa/make-sha1-chain.sh) with a fixed validation time.
func TestTLSAVerifyGolden(t *testing.T) {
	const fixture = "../../testdata/tlsa/sha1-chain.pem"
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var chain []*x509.Certificate
	for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	f := &tlsaFixture{}
	at := chain[0].NotBefore.Add(time.Hour).UTC().Format(time.RFC3339)
	code, out, errOut := runTLSA(t, "verify", "--cert", fixture, "--time", at, "--name", "mx.example.org",
		f.rec(t, chain[2], 2, 1, 1), f.rec(t, chain[1], 2, 0, 1), "0 0 1 "+strings.Repeat("ab", 32))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	const golden = "../../testdata/tlsa/verify-sha1.golden.txt"
	if *updateTLSAGolden {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (go test -run TLSAVerifyGolden -update-tlsa after checking):\n%s", golden, out)
	}
}
