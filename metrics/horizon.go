package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/daneprobe/daneprobe/delivery"
)

// horizonDescs are the expiry horizons of a domain (delivery's
// Horizons): how many seconds are left, as of the check, before a
// signature or a certificate the verdict rests on expires. Labels stay
// bounded: per domain, a handful of RRsets and chain zones per MX host,
// a few certificates per address.
type horizonDescs struct {
	rrsig, cert *prometheus.Desc
}

func newHorizonDescs() horizonDescs {
	return horizonDescs{
		rrsig: prometheus.NewDesc("daneprobe_rrsig_expiry_seconds",
			"Seconds left, as of the check, until the RRSIG that validated the RRset (owner, type) expires; signer is the signing zone. One series per MX, A, AAAA and TLSA RRset of the MX hosts and per DS and DNSKEY RRset on their chains.",
			[]string{"domain", "owner", "type", "signer"}, nil),
		cert: prometheus.NewDesc("daneprobe_certificate_expiry_seconds",
			"Seconds left, as of the check, until the certificate at depth (0: leaf) of the chain the address presented expires; checked_by names the senders that check its dates (dane-ta, mta-sts), empty when none does (DANE-EE).",
			[]string{"domain", "mx", "ip", "depth", "checked_by"}, nil),
	}
}

func (d horizonDescs) describe(ch chan<- *prometheus.Desc) {
	ch <- d.rrsig
	ch <- d.cert
}

// collect sends the horizons of r; each series once, even if a report
// lists it twice.
func (d horizonDescs) collect(r *delivery.DomainReport, gauge func(*prometheus.Desc, float64, ...string)) {
	name := label(r.Domain)
	seen := map[string]bool{}
	once := func(k ...string) bool {
		key := ""
		for _, s := range k {
			key += s + "\x00"
		}
		if seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	for _, s := range r.Horizons.Signatures {
		if once("s", s.Owner, s.Type, s.Signer) {
			gauge(d.rrsig, float64(s.SecondsLeft), name, label(s.Owner), label(s.Type), label(s.Signer))
		}
	}
	for _, c := range r.Horizons.Certificates {
		depth := strconv.Itoa(c.Depth)
		if once("c", c.MX, c.IP, depth) {
			gauge(d.cert, float64(c.SecondsLeft), name, label(c.MX), label(c.IP), depth, label(c.CheckedBy))
		}
	}
}
