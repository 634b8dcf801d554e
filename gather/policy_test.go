package gather_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// questionLog is a DNS forwarder on loopback between the validating
// resolver and the test world's upstream: it counts every question the
// resolver sends upstream, by "name/TYPE".
type questionLog struct {
	mu   sync.Mutex
	seen map[string]int
	addr string
}

func startQuestionLog(t *testing.T, upstream string) *questionLog {
	t.Helper()
	l := &questionLog{seen: map[string]int{}}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
		if len(m.Question) == 1 {
			q := m.Question[0]
			l.mu.Lock()
			l.seen[strings.ToLower(q.Name)+"/"+dns.TypeToString[q.Qtype]]++
			l.mu.Unlock()
		}
		c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second} // TCP: no truncation to handle
		resp, _, err := c.Exchange(m, upstream)
		if err != nil {
			resp = new(dns.Msg)
			resp.SetRcode(m, dns.RcodeServerFailure)
		}
		w.WriteMsg(resp)
	})
	// UDP and TCP on one port: the UDP port the system picks may be
	// taken for TCP, so try a few.
	var pc net.PacketConn
	var ln net.Listener
	for attempt := 0; ln == nil; attempt++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err != nil {
			pc.Close()
			if attempt == 20 {
				t.Fatal(err)
			}
		}
	}
	udp := &dns.Server{PacketConn: pc, Handler: handler}
	tcp := &dns.Server{Listener: ln, Handler: handler}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	l.addr = pc.LocalAddr().String()
	return l
}

func (l *questionLog) count(match func(key string) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k, v := range l.seen {
		if match(k) {
			n += v
		}
	}
	return n
}

// countingLookuper counts the questions the check asks its resolver, cache
// hits included, by "name/TYPE".
type countingLookuper struct {
	dnssec.Lookuper
	mu   sync.Mutex
	seen map[string]int
}

func (c *countingLookuper) Lookup(ctx context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	c.mu.Lock()
	c.seen[strings.ToLower(dns.Fqdn(name))+"/"+dns.TypeToString[qtype]]++
	c.mu.Unlock()
	return c.Lookuper.Lookup(ctx, name, qtype)
}

// TestCheckAsksEachQuestionOnce: the MTA-STS part of a check asks only
// for the _mta-sts and _smtp._tls records and the policy host; the MX set
// and the TLSA records (at _PORT._tcp for the configured port, never a
// hard-coded _25._tcp) are looked up once, by the check itself. Counted
// both as questions to the resolver (cache hits included) and as queries
// the resolver sent upstream.
func TestCheckAsksEachQuestionOnce(t *testing.T) {
	w, err := testworld.StartMail(testworld.MailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if w.Port == 25 {
		t.Fatal("the mail world listens on port 25; the test needs another port")
	}
	for _, name := range []string{"dane-ee", "sts-enforce", "partial", "dual-stack"} {
		t.Run(name, func(t *testing.T) {
			s, ok := w.Scenario(name)
			if !ok {
				t.Fatalf("no scenario %s", name)
			}
			up := startQuestionLog(t, w.Resolver())
			c := newChecker(t, w)
			res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{up.addr}, TrustAnchors: anchorsOf(w), Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			lk := &countingLookuper{Lookuper: res, seen: map[string]int{}}
			c.Resolver = lk
			r := c.Check(context.Background(), s.Domain)
			if string(r.Status) != s.Status {
				t.Fatalf("status %s, want %s: %s", r.Status, s.Status, r.Summary)
			}
			domain := dns.Fqdn(s.Domain)
			mxKey := domain + "/MX"
			// The SPF walk's mx mechanism asks once more, after the
			// check's own MX lookup, so the resolver answers it from its
			// cache (counted upstream below).
			want := 1
			if r.SPF != nil && strings.Contains(r.SPF.Record, " mx") {
				want = 2
			}
			if n := lk.seen[mxKey]; n != want {
				t.Errorf("the check asked for %s %d times, want %d (%v)", mxKey, n, want, lk.seen)
			}
			if n := up.count(func(k string) bool { return k == mxKey }); n != 1 {
				t.Errorf("%s went upstream %d times, want once", mxKey, n)
			}
			port := fmt.Sprintf("_%d._tcp.", w.Port)
			tlsa := 0
			for k, n := range lk.seen {
				if strings.HasPrefix(k, "_25._tcp.") {
					t.Errorf("asked for %s %d times with port %d", k, n, w.Port)
				}
				if strings.HasPrefix(k, port) && strings.HasSuffix(k, "/TLSA") {
					if n != 1 {
						t.Errorf("asked for %s %d times, want once", k, n)
					}
					tlsa++
				}
			}
			if n := up.count(func(k string) bool { return strings.HasPrefix(k, "_25._tcp.") }); n != 0 {
				t.Errorf("%d _25._tcp queries went upstream with port %d", n, w.Port)
			}
			// The test would pass vacuously if no TLSA record were asked
			// for: every MX host with secure addresses has its TLSA lookup.
			secureHosts := 0
			for _, m := range r.MX {
				if m.TLSA != nil {
					secureHosts++
				}
			}
			if tlsa < secureHosts || tlsa > len(r.MX) {
				t.Errorf("%d TLSA lookups at %s, want one per MX host with secure addresses (%d) and at most one per MX host (%d)", tlsa, port, secureHosts, len(r.MX))
			}
			for _, k := range []string{"_mta-sts." + domain + "/TXT", "_smtp._tls." + domain + "/TXT"} {
				if n := lk.seen[k]; n != 1 {
					t.Errorf("asked for %s %d times, want once", k, n)
				}
			}
			if name == "sts-enforce" && (r.MTASTS.Mode != "enforce" || r.MTASTS.Result != delivery.MTASTSPass) {
				t.Errorf("MTA-STS %+v: the policy was not fetched and applied", r.MTASTS)
			}
		})
	}
}

func anchorsOf(w *testworld.Mail) []dns.RR {
	var anchors []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	return anchors
}
