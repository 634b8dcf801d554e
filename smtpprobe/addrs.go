package smtpprobe

import (
	"context"
	"net/netip"
	"sync"
)

// ProbeAddrs probes every address of one MX host concurrently, at most
// Prober.Parallel sessions at a time (default 4), and returns one Result
// per address, in the order given. t is the template: its Addr is replaced
// by each address. Use it with all A and AAAA addresses of the host: a
// broken secondary address is what users miss. Addresses the local machine
// cannot reach (no IPv6 route) end with OutcomeNetworkUnreachable.
//
// Every Result is non-nil; Result.Err holds each session's error.
func (p *Prober) ProbeAddrs(ctx context.Context, t Target, addrs []netip.Addr) []*Result {
	n := p.Parallel
	if n <= 0 {
		n = 4
	}
	results := make([]*Result, len(addrs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				tt := t
				tt.Addr = a
				results[i] = canceledResult(ctx, tt)
				return
			}
			defer func() { <-sem }()
			tt := t
			tt.Addr = a
			results[i], _ = p.Probe(ctx, tt)
		}()
	}
	wg.Wait()
	return results
}

// canceledResult is the Result of a session that never started because
// the context ended first.
func canceledResult(ctx context.Context, t Target) *Result {
	var p Prober
	// Probe with an already-ended context fails at connect at once, with
	// the right outcome and error.
	r, _ := p.Probe(ctx, t)
	return r
}
