package dnssec_test

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// decoyUpstream forwards to w over TCP and, on UDP, sends before every
// real answer three datagrams that are not the answer: the query's ID
// with another question (an A record for decoy.test.), another ID with
// the right question, and bytes that are no DNS message. It returns its
// address and the count of UDP answers it preceded with decoys.
func decoyUpstream(t *testing.T, w *testworld.DNS) (string, *atomic.Int64) {
	t.Helper()
	var decoyed atomic.Int64
	handler := dns.HandlerFunc(func(rw dns.ResponseWriter, req *dns.Msg) {
		resp, _, err := (&dns.Client{Net: "tcp"}).Exchange(req, w.Addr())
		if err != nil {
			return
		}
		if _, udp := rw.RemoteAddr().(*net.UDPAddr); udp {
			other := new(dns.Msg)
			other.SetQuestion("decoy.test.", dns.TypeA)
			other.Id, other.Response = req.Id, true
			rr, _ := dns.NewRR("decoy.test. 300 IN A 192.0.2.66")
			other.Answer = []dns.RR{rr}
			rw.WriteMsg(other)
			wrongID := resp.Copy()
			wrongID.Id = req.Id + 1
			rw.WriteMsg(wrongID)
			rw.Write([]byte("not a DNS message"))
			decoyed.Add(1)
			size := dns.MinMsgSize
			if opt := req.IsEdns0(); opt != nil {
				size = int(opt.UDPSize())
			}
			resp.Truncate(size)
		}
		rw.WriteMsg(resp)
	})
	var pc net.PacketConn
	var ln net.Listener
	for try := 0; ; try++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			t.Fatalf("no port free for both UDP and TCP: %v", err)
		}
	}
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		go s.ActivateAndServe()
		t.Cleanup(func() { s.Shutdown() })
	}
	return pc.LocalAddr().String(), &decoyed
}

// TestStrayAnswersIgnored: answers for another question, with another ID
// or unparseable are ignored until the right answer (RFC 5452 §4.1,
// §9.1), not fatal: the lookup is as secure as without them, and the
// decoy's address is nowhere in the answer.
func TestStrayAnswersIgnored(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	addr, decoyed := decoyUpstream(t, w)
	r := newResolver(t, w, func(c *dnssec.Config) { c.Upstreams = []string{addr} })
	res := lookup(t, r, "www.alg13.test.", dns.TypeA)
	if res.Security != dnssec.Secure {
		t.Fatalf("%s/%s (%s), want secure", res.Security, res.Reason, res.Detail)
	}
	if decoyed.Load() == 0 {
		t.Fatal("the upstream sent no decoys: the test tests nothing")
	}
	for _, rr := range res.Answer {
		if strings.Contains(rr.String(), "192.0.2.66") {
			t.Errorf("the decoy's record is in the answer: %s", rr)
		}
	}
}
