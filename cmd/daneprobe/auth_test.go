package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// auth runs "daneprobe auth" against the world with extra args.
func authRun(t *testing.T, w *testworld.Mail, flags []string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	all := append(append([]string{"daneprobe", "auth"}, flags...), args...)
	code := run(context.Background(), all, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// authFlags are the resolver flags of the world (auth takes no SMTP or
// HTTPS flags).
func authFlags(t *testing.T) (*testworld.Mail, []string) {
	t.Helper()
	w, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	return w, append(flags[:4:4], "--microsoft365-names", testworld.Microsoft365Names)
}

type authJSON struct {
	SPF struct {
		Found   bool   `json:"found"`
		Result  string `json:"result"`
		Lookups int    `json:"dns_lookups"`
		Queries int    `json:"dns_queries"`
		Check   *struct {
			Result string   `json:"result"`
			Path   []string `json:"path"`
			Reason string   `json:"reason"`
		} `json:"check"`
	} `json:"spf"`
	DMARC struct {
		Found  bool   `json:"found"`
		Policy string `json:"policy"`
		Source string `json:"source"`
	} `json:"dmarc"`
	DKIM struct {
		Found     int `json:"found"`
		Selectors []struct {
			Selector string `json:"selector"`
			Status   string `json:"status"`
		} `json:"selectors"`
	} `json:"dkim"`
	Microsoft365 *struct {
		Detected []string `json:"detected_by"`
	} `json:"microsoft365"`
	Warnings []struct{ Code string } `json:"warnings"`
	Notes    []struct{ Code string } `json:"notes"`
}

// TestAuthScenarios: every domain of the test world's mail-authentication
// area reports its findings through the auth command, and a hostile one
// stays within RFC 7208's lookup limits.
func TestAuthScenarios(t *testing.T) {
	w, flags := authFlags(t)
	if len(w.Auth) < 20 {
		t.Fatalf("only %d auth scenarios", len(w.Auth))
	}
	for _, s := range w.Auth {
		t.Run(s.Name, func(t *testing.T) {
			args := []string{"--json"}
			for _, sel := range s.Selectors {
				args = append(args, "--dkim-selector", sel)
			}
			code, out, errOut := authRun(t, w, flags, append(args, s.Domain)...)
			var r authJSON
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("exit %d, %v: %s %s", code, err, out, errOut)
			}
			codes := map[string]bool{}
			warn := false
			for _, f := range r.Warnings {
				codes[f.Code], warn = true, true
			}
			for _, f := range r.Notes {
				codes[f.Code] = true
			}
			if r.Microsoft365 != nil {
				codes["m365-todo"] = true
			}
			for _, c := range s.Codes {
				if !codes[c] {
					t.Errorf("%s: no %s finding in %v", s.Description, c, codes)
				}
			}
			if want := map[bool]int{true: exitWarning, false: exitOK}[warn]; code != want {
				t.Errorf("exit %d, want %d", code, want)
			}
			if r.SPF.Lookups > 11 || r.SPF.Queries > 1+11*11 {
				t.Errorf("SPF walk: %d lookups, %d queries", r.SPF.Lookups, r.SPF.Queries)
			}
			if s.Microsoft365 != (r.Microsoft365 != nil) {
				t.Errorf("microsoft365 section: %v", r.Microsoft365)
			}
		})
	}
}

// TestAuthCheckHost: --ip and --sender evaluate check_host() with the
// path that decided it.
func TestAuthCheckHost(t *testing.T) {
	w, flags := authFlags(t)
	for _, c := range []struct {
		domain, ip, want string
	}{
		{"m365-dane.auth.test", "192.0.2.7", "pass"},
		{"m365-dane.auth.test", "198.51.100.7", "fail"},
		{"spf-wide.auth.test", "198.51.100.1", "permerror"},
	} {
		_, out, errOut := authRun(t, w, flags, "--json", "--ip", c.ip, "--sender", "a@"+c.domain, c.domain)
		var r authJSON
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.SPF.Check == nil {
			t.Fatalf("%v: %s %s", err, out, errOut)
		}
		if r.SPF.Check.Result != c.want {
			t.Errorf("%s %s: %s, want %s (%v)", c.domain, c.ip, r.SPF.Check.Result, c.want, r.SPF.Check.Path)
		}
	}
	// A hostile expansion: eight copies of a 200-octet sender are cut to
	// 253 octets (RFC 7208 §7.3), whose first label is then over 63
	// octets: a permerror after one counted term, no query for the name.
	long := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "@" + strings.Repeat("c", 60) + ".auth.test"
	_, out, errOut := authRun(t, w, flags, "--json", "--ip", "192.0.2.1", "--sender", long, "spf-macro.auth.test")
	var m authJSON
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.SPF.Check == nil || m.SPF.Check.Result != "permerror" || !strings.Contains(m.SPF.Check.Reason, "not a valid domain name") {
		t.Errorf("huge macro: %v %s %s", err, out, errOut)
	}
	_, out, _ = authRun(t, w, flags, "--ip", "192.0.2.7", "m365-dane.auth.test")
	if !strings.Contains(out, "check_host(192.0.2.7, postmaster@m365-dane.auth.test): pass") || !strings.Contains(out, "include:spf.protection.outlook.test") {
		t.Errorf("text:\n%s", out)
	}
}

// TestAuthGolden keeps the README's example true: the text output for
// the legacy Microsoft 365 tenant (go test -update to refresh).
func TestAuthGolden(t *testing.T) {
	w, flags := authFlags(t)
	code, out, errOut := authRun(t, w, flags, "m365-legacy.auth.test")
	if code != exitWarning { // selector2's CNAME dangles
		t.Errorf("exit %d: %s", code, errOut)
	}
	golden(t, filepath.Join("..", "..", "testdata", "auth", "m365-legacy.txt"), out)
}

// TestAuthUsage: bad arguments are one-line usage errors with exit 3.
func TestAuthUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"a.test", "b.test"},
		{"not a domain"},
		{"--ip", "999.1.1.1", "x.test"},
		{"--sender", "a@x.test", "x.test"},
		{"--ip", "192.0.2.1", "--sender", "nobody", "x.test"},
		{"--dkim-selector", "bad selector", "x.test"},
		{"--microsoft365-names", "a,b", "x.test"},
	} {
		code, out, errOut := authRun(t, nil, []string{"--resolver", "127.0.0.1:1"}, args...)
		if code != exitUnknown || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || errOut == "" {
			t.Errorf("auth %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// TestCheckMailAuth: check --json always has spf and dmarc; --mail-auth
// and --dkim-selector add dkim (and microsoft365 where it applies).
func TestCheckMailAuth(t *testing.T) {
	w := startMailWorld(t)
	for _, c := range []struct {
		args []string
		dkim bool
	}{
		{nil, false},
		{[]string{"--mail-auth"}, true},
		{[]string{"--dkim-selector", "mx2024"}, true},
	} {
		_, out, errOut := w.check(t, append(append([]string{"--json", "-4"}, c.args...), "dane-ee.mail.test")...)
		var one struct {
			SPF *struct {
				Lookups int    `json:"dns_lookups"`
				Policy  string `json:"policy"`
			} `json:"spf"`
			DMARC *struct {
				Policy string `json:"policy"`
			} `json:"dmarc"`
			DKIM *struct {
				Selectors []struct{ Selector string } `json:"selectors"`
			} `json:"dkim"`
		}
		if err := json.Unmarshal([]byte(out), &one); err != nil {
			t.Fatalf("%v: %s %s", err, out, errOut)
		}
		r := []*struct {
			SPF *struct {
				Lookups int    `json:"dns_lookups"`
				Policy  string `json:"policy"`
			} `json:"spf"`
			DMARC *struct {
				Policy string `json:"policy"`
			} `json:"dmarc"`
			DKIM *struct {
				Selectors []struct{ Selector string } `json:"selectors"`
			} `json:"dkim"`
		}{&one}
		if r[0].SPF == nil || r[0].SPF.Lookups != 1 || r[0].SPF.Policy != "-all" || r[0].DMARC == nil || r[0].DMARC.Policy != "reject" {
			t.Errorf("%v: spf %+v dmarc %+v", c.args, r[0].SPF, r[0].DMARC)
		}
		if (r[0].DKIM != nil) != c.dkim {
			t.Errorf("%v: dkim %+v", c.args, r[0].DKIM)
		}
		if c.dkim && len(c.args) == 2 && r[0].DKIM.Selectors[0].Selector != "mx2024" {
			t.Errorf("the given selector is probed first: %+v", r[0].DKIM.Selectors)
		}
	}
}

// TestAuthREADMEExample: the README's auth example is the golden file.
func TestAuthREADMEExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "auth", "m365-legacy.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "$ daneprobe auth $AUTH m365-legacy.auth.test\n"+string(want)+"```") {
		t.Error("README's auth example differs from testdata/auth/m365-legacy.txt")
	}
}
