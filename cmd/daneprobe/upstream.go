package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// errNoResolver is what an admin needs to hear when no upstream answers
// at all: one line naming the resolvers tried and the fix, instead of the
// same network error repeated for every lookup of every domain.
type errNoResolver struct {
	tried []string
	err   error
}

func (e *errNoResolver) Error() string {
	tried := strings.Join(e.tried, ", ")
	if tried == "" {
		tried = "the nameservers of /etc/resolv.conf"
	}
	if cause := rootCause(e.err); cause != "" {
		tried += ": " + cause
	}
	return fmt.Sprintf("no DNS resolver answered (tried %s): give a recursive resolver that answers with --resolver ADDR, or fix /etc/resolv.conf", tried)
}

// rootCause is the last part of a wrapped error's text, such as
// "connection refused" or "i/o timeout": the part an admin acts on. (The
// resolver wraps the network error as text, so errors.Unwrap cannot
// reach it.)
func rootCause(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if msg == dnssec.ErrNoUpstream.Error() {
		return "" // nothing more specific
	}
	return msg
}

func (e *errNoResolver) Unwrap() error { return e.err }

// checkUpstream asks the upstreams for the anchor zone's DNSKEY RRset
// (the root's, unless --trust-anchor names another zone), which every
// validation starts from anyway (the answer stays in the resolver's
// cache). It returns an *errNoResolver when no upstream answered, and nil
// otherwise: also when timeout ran out first or the answer does not
// validate, which the checks themselves report.
func checkUpstream(ctx context.Context, lk dnssec.Lookuper, upstreams []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := lk.Lookup(ctx, anchorZone(lk), dns.TypeDNSKEY)
	if ctx.Err() != nil {
		// Out of time (a short --deadline, or Ctrl-C): not the resolver's
		// fault; the checks report it in their own terms.
		return nil
	}
	if err != nil && errors.Is(err, dnssec.ErrNoUpstream) {
		return &errNoResolver{tried: upstreams, err: err}
	}
	return nil
}

// upstreamsOf returns the upstreams of lk when it can tell them.
func upstreamsOf(lk dnssec.Lookuper) []string {
	if u, ok := lk.(interface{ Upstreams() []string }); ok {
		return u.Upstreams()
	}
	return nil
}
