package testworld

// The DNS test world, in brief.
//
// DNSSEC (RFC 4033-4035) lets a resolver check that an answer is what the
// zone's owner published. Every RRset of a signed zone carries an RRSIG
// made with one of the zone's keys (DNSKEY records at the apex). The
// DNSKEY RRset is signed by a key-signing key (KSK, flag 257) whose hash
// the parent zone publishes as a DS record, itself signed by the parent's
// keys, and so on up to the root, whose KSK the validator knows as a trust
// anchor. Names and types that do not exist are proven absent by NSEC
// records (RFC 4034 §4: each names the next existing owner in canonical
// order and lists the types at its own owner) or by NSEC3 records (RFC
// 5155: the same over hashed owner names, with an opt-out flag that lets
// unsigned delegations go unlisted). A delegation to an unsigned zone is
// proven insecure by such a record at the parent showing NS but no DS.
//
// This world builds such a hierarchy in memory: a root zone with its own
// KSK and ZSK, the TLD "test." and scenario zones below it (see
// DNSScenarios), plus any zones the caller adds. It signs them with
// miekg/dns, builds their NSEC or NSEC3 chains, and serves them on a
// loopback port the way a recursive resolver answers a query with DO=1
// and CD=1: it does not validate, it returns the RRsets with their RRSIGs,
// follows CNAMEs across zones, synthesises wildcard answers with the
// proof that no closer name exists, and gives negative answers with the
// SOA and the NSEC/NSEC3 proof. DS questions are answered from the parent
// side of a zone cut, everything else from the deepest zone holding the
// name. Deliberate faults per zone (ZoneFaults) and for the whole server
// (DNSOptions) produce the bogus and broken cases a validator must handle.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// DNSOptions configure a DNS test world. The zero value gives the built-in
// scenario hierarchy, signed as of now, served without delay or faults.
type DNSOptions struct {
	// Zones are extra zones beyond the built-in scenario zones; a zone
	// with the origin of a built-in one replaces it. Each is delegated
	// from its closest enclosing zone (the root if no other encloses it).
	Zones []ZoneSpec
	// Delay is injected before every upstream response (for benchmarks);
	// SetDelay changes it at run time.
	Delay time.Duration
	// Now is the signing reference time; zero means time.Now(). RRSIGs
	// are valid from an hour before Now for 30 days.
	Now time.Time

	// Upstream fault modes for resolver-tolerance tests; they apply to
	// the whole server.

	// StripDNSSEC drops RRSIG, NSEC, NSEC3 and DS records from every
	// response, like a DNSSEC-oblivious forwarder.
	StripDNSSEC bool
	// DropEDNS answers FORMERR to every query with an OPT record, like a
	// pre-EDNS server (RFC 6891 §7).
	DropEDNS bool
	// IgnoreCD makes the server act like a validating resolver that
	// disregards CD=1: SERVFAIL for data from zones with a fault that
	// makes them bogus (or below such a zone) and for CNAME chains of
	// more than 11 links.
	IgnoreCD bool
	// RootDNSKEYNXDomain answers NXDOMAIN to ". DNSKEY", like a broken
	// forwarder: a local fault, never a verdict about any domain.
	RootDNSKEYNXDomain bool
	// RootRefused answers REFUSED to every query for the name ".", like
	// a lab or private resolver that knows no root: only validation from
	// a zone's own trust anchor can work through it.
	RootRefused bool
}

// DNS is a running DNS test world: a signed hierarchy with its own root
// key, behind an upstream on a loopback port that answers like a
// recursive resolver queried with DO=1 and CD=1. It is safe for
// concurrent use.
type DNS struct {
	world   *world
	opts    DNSOptions
	addr    string
	udp     *dns.Server
	tcp     *dns.Server
	queries atomic.Int64
	delay   atomic.Int64 // nanoseconds
	depth   depthLog     // causal depth of the queries (dns_depth.go)
	done    chan struct{}
	close   sync.Once
	served  sync.WaitGroup
}

// StartDNS signs the world's zones and starts the upstream on
// 127.0.0.1:<random port>, UDP and TCP on the same port. It returns an
// error when a zone is invalid or no port could be bound. Call Close to
// stop it.
func StartDNS(opts DNSOptions) (*DNS, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	w, err := buildWorld(opts.Zones, now)
	if err != nil {
		return nil, err
	}
	d := &DNS{world: w, opts: opts, done: make(chan struct{})}
	d.delay.Store(int64(opts.Delay))
	pc, l, err := listenPair()
	if err != nil {
		return nil, fmt.Errorf("start DNS test world: %w", err)
	}
	d.addr = pc.LocalAddr().String()
	h := dns.HandlerFunc(d.serveDNS)
	d.udp = &dns.Server{PacketConn: pc, Handler: h, UDPSize: dns.MaxMsgSize}
	d.tcp = &dns.Server{
		Listener: l, Handler: h,
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
		// One query per connection is all a stub needs; bound the
		// connection's life.
		IdleTimeout: func() time.Duration { return 5 * time.Second },
	}
	started := make(chan error, 2)
	for _, s := range []*dns.Server{d.udp, d.tcp} {
		s.NotifyStartedFunc = func() { started <- nil }
		d.served.Add(1)
		go func(s *dns.Server) {
			defer d.served.Done()
			if err := s.ActivateAndServe(); err != nil {
				select {
				case started <- err:
				default:
				}
			}
		}(s)
	}
	fail := func(err error) (*DNS, error) {
		d.Close()
		pc.Close() // Shutdown does not close the sockets of a server that never started
		l.Close()
		return nil, fmt.Errorf("start DNS test world: %w", err)
	}
	for range 2 {
		select {
		case err := <-started:
			if err != nil {
				return fail(err)
			}
		case <-time.After(5 * time.Second):
			return fail(errors.New("server did not start within 5s"))
		}
	}
	return d, nil
}

// listenPair binds UDP and TCP on the same random loopback port, retrying
// when another process holds the TCP side of the port UDP got.
func listenPair() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp: %w", err)
		}
		l, err := net.Listen("tcp4", pc.LocalAddr().String())
		if err == nil {
			// A busy recursive resolver's socket buffer (Unbound's
			// so-rcvbuf: 4m is the documented advice): with the default
			// 208 KB a scan's cold-start burst of queries overflows it,
			// and the benchmarks measured the scanner's loss recovery
			// rather than the scanner. The kernel caps it at rmem_max.
			if u, ok := pc.(*net.UDPConn); ok {
				u.SetReadBuffer(4 << 20)
			}
			return pc, l, nil
		}
		lastErr = err
		pc.Close()
	}
	return nil, nil, fmt.Errorf("listen tcp on the UDP port: %w", lastErr)
}

// Addr returns the upstream's address, "127.0.0.1:PORT".
func (d *DNS) Addr() string { return d.addr }

// TrustAnchors returns the DS records (SHA-256, RFC 4509) of the private
// root's KSK: the trust anchor a validator needs for this world.
func (d *DNS) TrustAnchors() []*dns.DS {
	var out []*dns.DS
	for _, rr := range d.world.root.dsRecords() {
		out = append(out, rr.(*dns.DS))
	}
	return out
}

// TrustAnchorFile writes the trust anchors to dir/root.ds in zone-file
// syntax, one DS record a line, and returns the file's path.
func (d *DNS) TrustAnchorFile(dir string) (string, error) {
	var b strings.Builder
	b.WriteString("; trust anchor of a daneprobe DNS test world (private root key)\n")
	for _, ds := range d.TrustAnchors() {
		b.WriteString(ds.String())
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, "root.ds")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("write trust anchor file: %w", err)
	}
	return path, nil
}

// Queries returns the number of upstream queries answered so far.
func (d *DNS) Queries() int64 { return d.queries.Load() }

// SetDelay changes the delay injected before every response.
func (d *DNS) SetDelay(delay time.Duration) { d.delay.Store(int64(delay)) }

// Close stops the upstream, cutting short any injected delays, and waits
// for its goroutines. It is safe to call more than once.
func (d *DNS) Close() error {
	var err error
	d.close.Do(func() {
		close(d.done)
		for _, s := range []*dns.Server{d.udp, d.tcp} {
			if e := s.Shutdown(); e != nil && err == nil && !strings.Contains(e.Error(), "not started") {
				err = fmt.Errorf("stop DNS test world: %w", e)
			}
		}
		d.served.Wait()
	})
	return err
}
