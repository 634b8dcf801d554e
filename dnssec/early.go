package dnssec

import (
	"context"
	"errors"
	"fmt"

	"github.com/miekg/dns"
)

// ErrCached is returned by Fetch when the validated answer is cached.
var ErrCached = errors.New("the validated answer is cached")

// Fetch returns the upstream's answer to name/qtype as it arrives, without
// validating anything: it is for speculation only, to start the lookups
// that an answer names (the A, AAAA and TLSA queries of the MX hosts in an
// MX answer) while the answer's chain of trust is still being fetched.
// Nothing in the message may be trusted or reported; the validated Lookup
// of the same question says whether it may be used.
//
// A Fetch started together with a Lookup of the same name and type shares
// its upstream query (concurrent identical queries are sent once), so the
// speculation costs no extra query. The error is ErrCached when a
// validated answer is cached (Lookup answers at once: there is nothing to
// start early), else that of the exchange: no upstream answered, or ctx
// ended.
func (r *Resolver) Fetch(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return nil, fmt.Errorf("fetch %q: not a domain name", name)
	}
	qname := canonicalName(name)
	// A cached validated answer makes the Lookup answer at once: nothing
	// to start early, and no query to send.
	if _, ok := r.answers.get(qname+"/"+dns.TypeToString[qtype], r.cfg.Now()); ok {
		return nil, fmt.Errorf("fetch %s %s: %w", name, dns.TypeToString[qtype], ErrCached)
	}
	msg, err := r.fetch(ctx, qname, qtype)
	if err != nil {
		return nil, fmt.Errorf("fetch %s %s: %w", name, dns.TypeToString[qtype], err)
	}
	// The message may be the one a concurrent Lookup is validating.
	return msg.Copy(), nil
}
