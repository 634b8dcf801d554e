package interop

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// testZoneAnchor runs daneprobe with the KSK of one zone (p256.interop.,
// signed by dnssec-signzone) as its only trust anchor, as in the README
// recipe "check --trust-anchor my-zone.dnskey" (issue 11 §2), through
// Unbound, and compares it with delv given the same anchor and with
// Unbound (which has the root anchor). Inside the zone all three say
// secure. Outside it daneprobe says insecure with no-trust-anchor while
// Unbound, anchored at the root, says secure: an expected difference of
// configuration. delv with only the zone anchor agrees with daneprobe's
// status there (RFC 4035 §4.3: without a trust anchor for a part of the
// tree nothing there can be proven secure; daneprobe reports that as
// Insecure with its own reason rather than Indeterminate, so it is never
// taken for a local fault about the domain, and never Bogus).
func testZoneAnchor(t *testing.T, w *world) {
	const zone = "p256.interop."
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeDNSKEY)
	q.SetEdns0(1232, true)
	q.CheckingDisabled = true
	resp, _, err := (&dns.Client{Net: "tcp", Timeout: 10 * time.Second}).Exchange(q, w.unbound)
	if err != nil {
		t.Fatal(err)
	}
	var anchors []dns.RR
	var ds []string
	for _, rr := range resp.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			anchors = append(anchors, k)
			ds = append(ds, k.ToDS(dns.SHA256).String())
		}
	}
	if len(anchors) == 0 {
		t.Fatalf("no KSK in the DNSKEY answer of %s: %v", zone, resp)
	}
	delvAnchors := filepath.Join(w.dir, "delv-zone-anchor.conf")
	if err := writeDelvAnchors(delvAnchors, ds); err != nil {
		t.Fatal(err)
	}
	r, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{w.unbound}, TrustAnchors: anchors, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		qtype   uint16
		want    dnssec.Security
		reason  dnssec.Reason
		unbound dnssec.Security
	}{
		{"www." + zone, dns.TypeA, dnssec.Secure, dnssec.ReasonNone, dnssec.Secure},
		{"_25._tcp.mx." + zone, dns.TypeTLSA, dnssec.Secure, dnssec.ReasonNone, dnssec.Secure},
		{"www.nsec3.interop.", dns.TypeA, dnssec.Insecure, dnssec.ReasonNoTrustAnchor, dnssec.Secure},
	} {
		t.Run(tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := r.Lookup(ctx, tc.name, tc.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if res.Security != tc.want || res.Reason != tc.reason {
				t.Errorf("daneprobe: %s/%s (%s), want %s/%s", res.Security, res.Reason, res.Detail, tc.want, tc.reason)
			}
			if ub, _, err := askUnbound(w.unbound, tc.name, tc.qtype); err != nil || ub != tc.unbound {
				t.Errorf("unbound (root anchor): %s %v, want %s", ub, err, tc.unbound)
			}
			got, out := delvZone(ctx, w, delvAnchors, zone, tc.name, tc.qtype)
			if got != tc.want {
				t.Errorf("delv (anchor %s): %s, want %s; output:\n%s", zone, got, tc.want, out)
			}
		})
	}
}

// delvZone asks delv with a trust anchor for zone only (+root=zone).
func delvZone(ctx context.Context, w *world, anchors, zone, name string, qtype uint16) (dnssec.Security, string) {
	host, port, _ := strings.Cut(w.unbound, ":")
	b, _ := exec.CommandContext(ctx, w.tb.path("delv"), "@"+host, "-p", port, "-a", anchors, "+root="+zone,
		"+nomtrace", "+novtrace", name, dns.TypeToString[qtype]).CombinedOutput()
	out := string(b)
	switch {
	case strings.Contains(out, "fully validated"):
		return dnssec.Secure, out
	case strings.Contains(out, "unsigned answer"), strings.Contains(out, "insecurity proof"):
		return dnssec.Insecure, out
	case strings.Contains(out, "failed"):
		return dnssec.Bogus, out
	}
	return dnssec.Indeterminate, out
}
