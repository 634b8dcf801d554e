package dnssec

import (
	"os"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestRootAnchorsMatchKSKs checks that each built-in DS is the SHA-256
// digest of the IANA root KSK it names (fixture from root-anchors.xml).
func TestRootAnchorsMatchKSKs(t *testing.T) {
	f, err := os.Open("../testdata/dnssec/root-ksk.zone")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys, err := ParseTrustAnchors(f, ".")
	if err != nil {
		t.Fatal(err)
	}
	anchors := RootAnchors()
	if len(anchors) != 2 {
		t.Fatalf("%d built-in anchors", len(anchors))
	}
	tags := map[uint16]bool{}
	for _, a := range anchors {
		ds := a.(*dns.DS)
		tags[ds.KeyTag] = true
		found := false
		for _, k := range keys {
			if dsMatches(ds, k.(*dns.DNSKEY)) {
				found = true
			}
		}
		if !found {
			t.Errorf("DS %d matches no root KSK fixture", ds.KeyTag)
		}
	}
	if !tags[20326] || !tags[38696] {
		t.Errorf("anchor tags %v, want 20326 and 38696", tags)
	}
}

func TestParseTrustAnchors(t *testing.T) {
	x, err := os.ReadFile("../testdata/dnssec/root-anchors.xml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseTrustAnchors(strings.NewReader(string(x)), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 { // the retired KSK-2010 is skipped
		t.Fatalf("XML gave %d anchors", len(got))
	}
	builtin := RootAnchors()
	for i := range got {
		if got[i].String() != builtin[i].String() {
			t.Errorf("XML anchor %q differs from built-in %q", got[i], builtin[i])
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"example.test. IN A 192.0.2.1", "only DS and DNSKEY"},
		{"", "no DS or DNSKEY"},
		{"garbage garbage", "parse trust anchors"},
		{"<TrustAnchor><Zone>.</Zone></TrustAnchor>", "no current KeyDigest"},
		{"<TrustAnchor", "XML"},
	} {
		if _, err := ParseTrustAnchors(strings.NewReader(tc.in), "."); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseTrustAnchors(%q) error %v, want %q", tc.in, err, tc.err)
		}
	}
	ds, err := ParseTrustAnchors(strings.NewReader("example.TEST. 3600 IN DS 1 13 2 AABB\n"), ".")
	if err != nil || len(ds) != 1 || ds[0].Header().Name != "example.test." {
		t.Errorf("zone-file DS: %v %v", ds, err)
	}
}

func TestNormaliseUpstream(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1":       "127.0.0.1:53",
		"127.0.0.1:5353":  "127.0.0.1:5353",
		"::1":             "[::1]:53",
		"[::1]:54":        "[::1]:54",
		"resolver.test":   "resolver.test:53",
		"resolver.test:1": "resolver.test:1",
	} {
		if got, err := NormaliseUpstream(in); err != nil || got != want {
			t.Errorf("NormaliseUpstream(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ":53", "127.0.0.1:99999", "127.0.0.1:x", "a b"} {
		if got, err := NormaliseUpstream(bad); err == nil {
			t.Errorf("NormaliseUpstream(%q) = %q, want an error", bad, got)
		}
	}
}

func TestResolvConfDefault(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/resolv.conf"
	if err := os.WriteFile(p, []byte("nameserver 127.0.0.53\nnameserver ::1\noptions edns0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver(Config{ResolvConf: p})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Upstreams(); len(got) != 2 || got[0] != "127.0.0.53:53" || got[1] != "[::1]:53" {
		t.Errorf("upstreams %v", got)
	}
	if err := os.WriteFile(p, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewResolver(Config{ResolvConf: p}); err == nil {
		t.Error("empty resolv.conf accepted")
	}
	if _, err := NewResolver(Config{ResolvConf: dir + "/missing"}); err == nil {
		t.Error("missing resolv.conf accepted")
	}
}

// FuzzParseTrustAnchors: any file content gives anchors or an error,
// never a panic.
func FuzzParseTrustAnchors(f *testing.F) {
	for _, p := range []string{"../testdata/dnssec/root-ksk.zone", "../testdata/dnssec/root-anchors.xml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rrs, err := ParseTrustAnchors(strings.NewReader(string(data)), ".")
		if err == nil && len(rrs) == 0 {
			t.Fatal("no anchors and no error")
		}
		for _, rr := range rrs {
			switch rr.(type) {
			case *dns.DS, *dns.DNSKEY:
			default:
				t.Fatalf("anchor of type %T", rr)
			}
		}
	})
}

// TestProbeZoneFollowsAnchors: the capability probe asks the root with a
// root anchor, else the shallowest configured anchor zone (issue 11 §2).
func TestProbeZoneFollowsAnchors(t *testing.T) {
	for _, tc := range []struct {
		anchors []string
		want    string
	}{
		{nil, "."},
		{[]string{". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D", "b.example. 3600 IN DS 1 13 2 00"}, "."},
		{[]string{"my-zone.example. 3600 IN DNSKEY 257 3 13 AAAA"}, "my-zone.example."},
		{[]string{"a.b.example. 3600 IN DS 1 13 2 00", "z.example. 3600 IN DS 1 13 2 00", "c.example. 3600 IN DS 1 13 2 00"}, "c.example."},
	} {
		var rrs []dns.RR
		for _, s := range tc.anchors {
			rrs = append(rrs, mustRR(t, s))
		}
		cfg := Config{Upstreams: []string{"127.0.0.1:9"}, TrustAnchors: rrs}
		r, err := NewResolver(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AnchorZone(); got != tc.want {
			t.Errorf("anchors %v: probe zone %q, want %q", tc.anchors, got, tc.want)
		}
	}
}
