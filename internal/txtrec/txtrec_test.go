package txtrec

import (
	"errors"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	good := func(txt string, want ...string) {
		t.Helper()
		fs, err := Split(txt, "v=TLSRPTv1", "rua")
		var got []string
		for _, f := range fs {
			got = append(got, f.Key+"="+f.Value)
		}
		if err != nil || strings.Join(got, ";") != strings.Join(want, ";") {
			t.Errorf("Split(%q) = %q, %v; want %q", txt, got, err, want)
		}
	}
	bad := func(txt, why string) {
		t.Helper()
		if _, err := Split(txt, "v=TLSRPTv1", "rua"); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), why) {
			t.Errorf("Split(%q) error %v, want %q", txt, err, why)
		}
	}
	good("v=TLSRPTv1;rua=mailto:a@b.example", "rua=mailto:a@b.example")
	good("v=TLSRPTv1 ; rua = mailto:a@b.example , https://x.example/ ;", "rua=mailto:a@b.example , https://x.example/")
	good("v=TLSRPTv1; x-ext=1; rua=mailto:a@b", "x-ext=1", "rua=mailto:a@b")
	bad("v=TLSRPTv1", "nothing follows")
	bad("v=TLSRPTv1;", "nothing follows")
	bad("v=TLSRPTv10; rua=mailto:a@b", "must start with")
	bad("v=TLSRPTv1;; rua=mailto:a@b", "empty field")
	bad("v=TLSRPTv1; rua", "has no \"=\"")
	bad("v=TLSRPTv1; -x=1", "invalid field name")
	bad("v=TLSRPTv1; x=a b", "invalid value")
	bad("v=TLSRPTv1; x=", "invalid value")
}

func TestHasVersion(t *testing.T) {
	for txt, want := range map[string]bool{
		"v=STSv1":        true,
		"v=STSv1; id=1":  true,
		"v=STSv1 ;id=1":  true,
		"v=STSv10; id=1": false,
		"v=STSv1x":       false,
		" v=STSv1; id=1": false,
		"v=stsv1; id=1":  false,
	} {
		if got := HasVersion(txt, "v=STSv1"); got != want {
			t.Errorf("HasVersion(%q) = %v, want %v", txt, got, want)
		}
	}
}
