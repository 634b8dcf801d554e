package report

import (
	"time"

	"github.com/daneprobe/daneprobe/delivery"
)

// horizons prints when the first signature and the first checked
// certificate expire, with the time left: one line each, relative to
// the check's time (--at), so that "will this still validate on
// Friday?" is answered at a glance. The warnings say more when one is
// close; --json has every horizon.
func (t *textWriter) horizons(r *delivery.DomainReport) {
	if len(r.Horizons.Signatures) > 0 {
		s := r.Horizons.Signatures[0] // sorted, the earliest first
		t.line("  signatures: the first expires in %s (%s %s, zone %s), %d RRsets validated",
			delivery.HumanDuration(time.Duration(s.SecondsLeft)*time.Second), s.Owner, s.Type, s.Signer, len(r.Horizons.Signatures))
	}
	var first *delivery.CertificateHorizon
	for i := range r.Horizons.Certificates {
		c := &r.Horizons.Certificates[i]
		if c.CheckedBy != "" && c.SecondsLeft > 0 && (first == nil || c.SecondsLeft < first.SecondsLeft) {
			first = c
		}
	}
	if first != nil {
		t.line("  certificates: the first whose dates senders check expires in %s (%s %s, depth %d, checked by %s)",
			delivery.HumanDuration(time.Duration(first.SecondsLeft)*time.Second), first.MX, first.IP, first.Depth, first.CheckedBy)
	}
}
