package testworld

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// dnsFront is the mail world's resolver address: it answers SERVFAIL for
// the questions of the lookup-failure scenarios and passes everything else
// to the DNS world's own handler, on a port of its own.
type dnsFront struct {
	addr   string
	fail   map[string]bool // "name.\x00TYPE"
	world  *DNS
	udp    *dns.Server
	tcp    *dns.Server
	faults atomic.Int64
	wg     sync.WaitGroup
	once   sync.Once
}

// failKey identifies a question to fail.
func failKey(name string, qtype uint16) string {
	return strings.ToLower(dns.Fqdn(name)) + "\x00" + dns.TypeToString[qtype]
}

func startDNSFront(world *DNS, fail map[string]bool) (*dnsFront, error) {
	pc, l, err := listenPair()
	if err != nil {
		return nil, fmt.Errorf("start DNS front: %w", err)
	}
	f := &dnsFront{addr: pc.LocalAddr().String(), fail: fail, world: world}
	h := dns.HandlerFunc(f.serve)
	f.udp = &dns.Server{PacketConn: pc, Handler: h, UDPSize: dns.MaxMsgSize}
	f.tcp = &dns.Server{Listener: l, Handler: h, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: func() time.Duration { return 5 * time.Second }}
	started := make(chan error, 2)
	for _, s := range []*dns.Server{f.udp, f.tcp} {
		s.NotifyStartedFunc = func() { started <- nil }
		f.wg.Add(1)
		go func(s *dns.Server) {
			defer f.wg.Done()
			if err := s.ActivateAndServe(); err != nil {
				select {
				case started <- err:
				default:
				}
			}
		}(s)
	}
	for range 2 {
		select {
		case err := <-started:
			if err != nil {
				f.close()
				return nil, fmt.Errorf("start DNS front: %w", err)
			}
		case <-time.After(5 * time.Second):
			f.close()
			return nil, fmt.Errorf("start DNS front: servers did not start")
		}
	}
	return f, nil
}

func (f *dnsFront) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) == 1 && f.fail[failKey(req.Question[0].Name, req.Question[0].Qtype)] {
		f.faults.Add(1)
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeServerFailure)
		m.RecursionAvailable = true
		if opt := req.IsEdns0(); opt != nil {
			m.SetEdns0(advertisedUDP, opt.Do())
		}
		if !f.world.wait() {
			return
		}
		_ = w.WriteMsg(m)
		return
	}
	f.world.serveDNS(w, req)
}

func (f *dnsFront) close() error {
	var err error
	f.once.Do(func() {
		for _, s := range []*dns.Server{f.udp, f.tcp} {
			if e := s.Shutdown(); e != nil && err == nil && !strings.Contains(e.Error(), "not started") {
				err = fmt.Errorf("stop DNS front: %w", e)
			}
		}
		f.wg.Wait()
	})
	return err
}
