package tlsa

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestParseRecord(t *testing.T) {
	h := strings.Repeat("ab", 32)
	good := func(in string, want Record) {
		t.Helper()
		got, err := ParseRecord(in)
		if err != nil {
			t.Errorf("ParseRecord(%q): %v", in, err)
			return
		}
		if got.Usage != want.Usage || got.Selector != want.Selector || got.MatchingType != want.MatchingType || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("ParseRecord(%q) = %v, want %v", in, got, want)
		}
	}
	bad := func(in string) {
		t.Helper()
		if r, err := ParseRecord(in); err == nil || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseRecord(%q) = %v, %v; want a syntax error", in, r, err)
		}
	}
	data := bytes.Repeat([]byte{0xab}, 32)
	good("3 1 1 "+h, Record{DANEEE, SPKI, SHA256, data, ""})
	good("3 1 1 "+strings.ToUpper(h), Record{DANEEE, SPKI, SHA256, data, ""})
	good("  2 0 2\t"+h[:10]+" "+h[10:]+"\n", Record{DANETA, Cert, SHA512, data, ""}) // split hex, as in zone files
	good("DANE-EE SPKI SHA2-256 "+h, Record{DANEEE, SPKI, SHA256, data, ""})
	good("dane-ta cert full 00ff", Record{DANETA, Cert, Full, []byte{0, 0xff}, ""})
	good("255 255 255 00", Record{255, 255, 255, []byte{0}, ""}) // parses; unusable later
	bad("")
	bad("3 1 1")
	bad("3 1 " + h)
	bad("256 1 1 " + h)
	bad("-1 1 1 " + h)
	bad("3 x 1 " + h)
	bad("3 1 1 abc")  // odd length
	bad("3 1 1 zz00") // not hex
	bad("3 1 1 " + strings.Repeat("00", maxDataLen+1))
}

func TestParseRDATA(t *testing.T) {
	r, err := ParseRDATA([]byte{3, 1, 1, 0xde, 0xad})
	if err != nil || r.Usage != 3 || r.Selector != 1 || r.MatchingType != 1 || !bytes.Equal(r.Data, []byte{0xde, 0xad}) {
		t.Fatalf("got %v, %v", r, err)
	}
	if !bytes.Equal(r.RDATA(), []byte{3, 1, 1, 0xde, 0xad}) {
		t.Fatalf("RDATA round trip: %x", r.RDATA())
	}
	for _, b := range [][]byte{nil, {3}, {3, 1, 1}, make([]byte, 65536)} {
		if _, err := ParseRDATA(b); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseRDATA(%d octets): %v", len(b), err)
		}
	}
	// The wire form agrees with miekg/dns.
	rr := Record{DANEEE, SPKI, SHA256, bytes.Repeat([]byte{7}, 32), ""}.DNS("_25._tcp.mx.example.org", 300)
	msg := make([]byte, dns.Len(rr))
	off, err := dns.PackRR(rr, msg, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	rdata := msg[off-(3+32) : off]
	back, err := ParseRDATA(rdata)
	if err != nil || back.String() != "3 1 1 "+strings.Repeat("07", 32) {
		t.Fatalf("from miekg wire: %v %v", back, err)
	}
}

func TestRecordForms(t *testing.T) {
	r := Record{DANEEE, SPKI, SHA256, []byte{0xAB, 0xCD}, ""}
	if got := r.String(); got != "3 1 1 abcd" {
		t.Errorf("String = %q", got)
	}
	if got := r.ZoneLine("_25._tcp.mx.example.org.", 0); got != "_25._tcp.mx.example.org. IN TLSA 3 1 1 abcd" {
		t.Errorf("ZoneLine = %q", got)
	}
	if got := r.ZoneLine("_25._tcp.mx.example.org.", 3600); got != "_25._tcp.mx.example.org. 3600 IN TLSA 3 1 1 abcd" {
		t.Errorf("ZoneLine = %q", got)
	}
	if got := Owner("MX.Example.org", 25); got != "_25._tcp.mx.example.org." {
		t.Errorf("Owner = %q", got)
	}
	// The zone line parses back through miekg/dns.
	rr, err := dns.NewRR(r.ZoneLine(Owner("mx.example.org", 25), 300))
	if err != nil {
		t.Fatal(err)
	}
	back := FromDNS([]*dns.TLSA{rr.(*dns.TLSA), nil})
	if len(back) != 1 || back[0].String() != r.String() {
		t.Errorf("FromDNS = %v", back)
	}
	b, err := json.Marshal(r)
	if err != nil || string(b) != `{"usage":3,"selector":1,"matching_type":1,"data":"abcd"}` {
		t.Errorf("JSON %s %v", b, err)
	}
	var j Record
	if err := json.Unmarshal(b, &j); err != nil || j.String() != r.String() {
		t.Errorf("JSON round trip %v %v", j, err)
	}
	if err := json.Unmarshal([]byte(`{"data":"zz"}`), &j); err == nil {
		t.Error("bad hex in JSON accepted")
	}
	for _, n := range []struct{ got, want string }{
		{PKIXTA.String(), "PKIX-TA"}, {PKIXEE.String(), "PKIX-EE"}, {DANETA.String(), "DANE-TA"}, {DANEEE.String(), "DANE-EE"}, {Usage(9).String(), "9"},
		{Cert.String(), "Cert"}, {SPKI.String(), "SPKI"}, {Selector(7).String(), "7"},
		{Full.String(), "Full"}, {SHA256.String(), "SHA2-256"}, {SHA512.String(), "SHA2-512"}, {MatchingType(5).String(), "5"},
	} {
		if n.got != n.want {
			t.Errorf("name %q, want %q", n.got, n.want)
		}
	}
}
