package testworld

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// delayValue is a delay shared by the proxies of a world, changed at run
// time by Mail.SetDelay.
type delayValue struct{ ns atomic.Int64 }

func (d *delayValue) set(v time.Duration) { d.ns.Store(int64(v)) }
func (d *delayValue) get() time.Duration  { return time.Duration(d.ns.Load()) }

// delayProxy forwards TCP connections from a public loopback address to a
// test SMTP server and delivers every chunk the server sends delay after
// it arrived: a one-way latency on the server's side, so that each reply
// (banner, EHLO, STARTTLS, the TLS server flight...) costs one delay, as
// the DNS world's delay does for each DNS response. Chunks keep their
// order and are not delayed behind one another.
type delayProxy struct {
	ln     net.Listener
	target string
	delay  *delayValue
	done   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	once   sync.Once
}

func startDelayProxy(public, target string, delay *delayValue) (*delayProxy, error) {
	ln, err := net.Listen("tcp", public)
	if err != nil {
		return nil, fmt.Errorf("delay proxy listen %s: %w", public, err)
	}
	p := &delayProxy{ln: ln, target: target, delay: delay, done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *delayProxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		select {
		case <-p.done:
			return false
		default:
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *delayProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.relay(c)
		}()
	}
}

type chunk struct {
	data []byte
	at   time.Time
}

// relay forwards one connection until either side closes.
func (p *delayProxy) relay(client net.Conn) {
	defer client.Close()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	defer server.Close()
	if !p.track(client, true) || !p.track(server, true) {
		return
	}
	defer p.track(client, false)
	defer p.track(server, false)
	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	chunks := make(chan chunk, 256)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := server.Read(buf)
			if n > 0 {
				select {
				case chunks <- chunk{data: buf[:n], at: time.Now()}:
				case <-stop:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for ch := range chunks {
		if wait := time.Until(ch.at.Add(p.delay.get())); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.done:
				t.Stop()
				return
			}
		}
		if _, err := client.Write(ch.data); err != nil {
			return
		}
	}
}

func (p *delayProxy) close() {
	p.once.Do(func() {
		close(p.done)
		p.ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
}
