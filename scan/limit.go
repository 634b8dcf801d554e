package scan

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daneprobe/daneprobe/smtpprobe"
)

// IPLimiter caps the concurrent connections to each destination address. It
// keeps state only for addresses with a connection open or waiting, so its
// memory is bounded by the scan's concurrency, not by the number of
// addresses seen. The zero value is not usable; use NewIPLimiter.
type IPLimiter struct {
	per   int
	total atomic.Int64
	mu    sync.Mutex
	m     map[netip.Addr]*ipSlot
}

type ipSlot struct {
	sem  chan struct{}
	refs int // holders and waiters
}

// NewIPLimiter returns a limiter allowing per concurrent connections to
// each address (at least 1).
func NewIPLimiter(per int) *IPLimiter {
	return &IPLimiter{per: max(per, 1), m: make(map[netip.Addr]*ipSlot)}
}

// PerIP returns the cap.
func (l *IPLimiter) PerIP() int { return l.per }

// Acquire waits for a free slot for addr and returns the function that
// frees it (call it exactly once). It fails only when ctx ends first.
func (l *IPLimiter) Acquire(ctx context.Context, addr netip.Addr) (release func(), err error) {
	addr = addr.Unmap()
	l.mu.Lock()
	s := l.m[addr]
	if s == nil {
		s = &ipSlot{sem: make(chan struct{}, l.per)}
		l.m[addr] = s
	}
	s.refs++
	l.mu.Unlock()
	select {
	case s.sem <- struct{}{}:
		l.total.Add(1)
	case <-ctx.Done():
		l.unref(addr, s)
		return nil, fmt.Errorf("wait for a connection slot to %s: %w", addr, context.Cause(ctx))
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-s.sem
			l.unref(addr, s)
		})
	}, nil
}

func (l *IPLimiter) unref(addr netip.Addr, s *ipSlot) {
	l.mu.Lock()
	s.refs--
	if s.refs == 0 {
		delete(l.m, addr)
	}
	l.mu.Unlock()
}

// Connections returns the number of slots granted so far: with LimitDial,
// the connections opened.
func (l *IPLimiter) Connections() int64 { return l.total.Load() }

// Tracked returns the number of addresses with a connection open or
// waiting, for tests of the memory bound.
func (l *IPLimiter) Tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// RateLimiter spaces events (new connections) evenly at a global rate, with
// no burst. The zero value and a nil *RateLimiter allow everything at once.
type RateLimiter struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewRateLimiter returns a limiter for perSecond events per second; 0 or
// less means no limit (nil).
func NewRateLimiter(perSecond float64) *RateLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &RateLimiter{interval: time.Duration(float64(time.Second) / perSecond)}
}

// Wait blocks until the next event may happen, or ctx ends.
func (r *RateLimiter) Wait(ctx context.Context) error {
	if r == nil || r.interval <= 0 {
		return nil
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	r.mu.Lock()
	t := now()
	at := r.next
	if at.Before(t) {
		at = t
	}
	r.next = at.Add(r.interval)
	r.mu.Unlock()
	d := at.Sub(t)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the connection rate: %w", context.Cause(ctx))
	}
}

// LimitDial wraps dial (nil means a net.Dialer) so that every connection
// waits for a slot of its destination address in lim and for the rate r
// (either may be nil), and gives the slot back once the connection is
// closed on both ends (see Linger). It is the seam for code that takes a smtpprobe.DialFunc, such as
// gather.Checker's Dial field: the cap then covers every SMTP and HTTPS
// connection of the scan.
func LimitDial(dial smtpprobe.DialFunc, lim *IPLimiter, r *RateLimiter) smtpprobe.DialFunc {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		release := func() {}
		if lim != nil {
			ap, err := netip.ParseAddrPort(address)
			if err == nil {
				release, err = lim.Acquire(ctx, ap.Addr())
				if err != nil {
					return nil, err
				}
			}
			// A host name (not an address) cannot be capped per
			// address; the probes of this package always dial
			// addresses.
		}
		if err := r.Wait(ctx); err != nil {
			release()
			return nil, err
		}
		c, err := dial(ctx, network, address)
		if err != nil {
			release()
			return nil, err
		}
		return &limitedConn{Conn: c, release: release}, nil
	}
}

// Linger bounds how long a closed connection keeps its address slot while
// waiting for the server to close its side. A TCP connection is open until
// both ends have closed it; holding the slot until the server's FIN (after
// QUIT the server hangs up at once) keeps the cap true from the server's
// point of view, not only from ours.
const Linger = time.Second

// limitedConn frees its address slot when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close returns at once; in the background it waits (at most Linger) for
// the server to close its side, then closes the connection and frees the
// slot.
func (c *limitedConn) Close() error {
	c.once.Do(func() {
		if tc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			tc.CloseWrite()
		}
		c.Conn.SetReadDeadline(time.Now().Add(Linger))
		go func() {
			var buf [512]byte
			for n := 0; n < 64<<10; {
				k, err := c.Conn.Read(buf[:])
				n += k
				if err != nil {
					break
				}
			}
			c.Conn.Close()
			c.release()
		}()
	})
	return nil
}
