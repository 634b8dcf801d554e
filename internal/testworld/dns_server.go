package testworld

import (
	"net"
	"time"

	"github.com/miekg/dns"
)

// Message sizes (RFC 1035 §4.2.1, RFC 6891 §6.2.5) and the buffer size the
// upstream advertises (the DNS flag day 2020 value).
const (
	plainUDPSize  = 512
	advertisedUDP = 1232
)

// serveDNS answers one query. It counts the query, builds the response,
// applies the server-wide fault modes, EDNS0 and truncation rules, waits
// for the injected delay and writes the response.
func (d *DNS) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	d.queries.Add(1)
	depth := d.depth.arrive(req.Question)
	m := d.respond(req, isUDP(w))
	if !d.wait() {
		return // closing
	}
	d.depth.answered(depth) // before the client can have it
	_ = w.WriteMsg(m)       // the client may be gone; nothing to do about it
}

func isUDP(w dns.ResponseWriter) bool {
	_, ok := w.RemoteAddr().(*net.UDPAddr)
	return ok
}

// wait sleeps for the injected delay; it returns false when the world is
// closing.
func (d *DNS) wait() bool {
	delay := time.Duration(d.delay.Load())
	if delay <= 0 {
		select {
		case <-d.done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.done:
		return false
	}
}

// respond builds the response to req.
func (d *DNS) respond(req *dns.Msg, udp bool) *dns.Msg {
	m := new(dns.Msg)
	opt := req.IsEdns0()
	if d.opts.DropEDNS && opt != nil {
		// RFC 6891 §7: a server that does not implement EDNS answers
		// FORMERR, without an OPT record.
		return m.SetRcodeFormatError(req)
	}
	if len(req.Question) != 1 || req.Response || req.Opcode != dns.OpcodeQuery {
		return m.SetRcodeFormatError(req)
	}
	m.SetReply(req)
	m.RecursionAvailable = true
	m.CheckingDisabled = req.CheckingDisabled
	m.Compress = true
	do := false
	if opt != nil {
		if opt.Version() != 0 {
			// RFC 6891 §6.1.3: unknown EDNS version.
			m.SetEdns0(advertisedUDP, opt.Do())
			m.Rcode = dns.RcodeBadVers
			return m
		}
		do = opt.Do()
	}
	q := req.Question[0]
	switch {
	case q.Qclass != dns.ClassINET:
		m.Rcode = dns.RcodeRefused
	case q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR:
		m.Rcode = dns.RcodeNotImplemented
	case d.opts.RootDNSKEYNXDomain && q.Name == "." && q.Qtype == dns.TypeDNSKEY:
		m.Rcode = dns.RcodeNameError
	case d.opts.RootRefused && q.Name == ".":
		m.Rcode = dns.RcodeRefused
	default:
		res := d.world.resolve(q.Name, q.Qtype)
		if d.opts.IgnoreCD && (res.bogus || res.links > validatorCNAMELimit) {
			// A validating resolver that ignores CD=1 answers SERVFAIL
			// for bogus data (RFC 4035 §5.5) and for CNAME chains longer
			// than it follows.
			m.Rcode = dns.RcodeServerFailure
			break
		}
		m.Rcode = res.rcode
		m.Answer = d.filter(res.answer, do, q.Qtype)
		m.Ns = d.filter(res.authority, do, 0)
	}
	if opt != nil {
		// RFC 3225 §3: the DO bit is copied into the response.
		m.SetEdns0(advertisedUDP, do)
	}
	if udp {
		limit := plainUDPSize
		if opt != nil && int(opt.UDPSize()) > limit {
			limit = int(opt.UDPSize())
		}
		if m.Len() > limit {
			// RFC 2181 §9, RFC 1035 §4.2.1: the response does not fit:
			// send the header and question with TC set, so the client
			// retries over TCP.
			m.Truncated = true
			m.Answer, m.Ns = nil, nil
		}
	}
	return m
}

// filter removes DNSSEC records a response must not carry: all of them
// when the query had no DO bit, except the type asked for (RFC 4035
// §3.2.1), and all of them always under StripDNSSEC.
func (d *DNS) filter(rrs []dns.RR, do bool, qtype uint16) []dns.RR {
	if do && !d.opts.StripDNSSEC {
		return rrs
	}
	out := make([]dns.RR, 0, len(rrs))
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		switch t {
		case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeDS:
			if d.opts.StripDNSSEC || t != qtype {
				continue
			}
		}
		out = append(out, rr)
	}
	return out
}
