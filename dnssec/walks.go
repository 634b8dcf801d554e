package dnssec

import (
	"context"
	"sync"
)

// walkGroup shares the validation of a zone cut between the concurrent
// lookups of one Resolver while it is in progress. Once a cut is
// validated it lives in the cut cache; before that, a lookup that reaches
// a name another lookup is fetching and validating waits for that result
// instead of fetching the DS and DNSKEY of every name below it too.
//
// This matters for unsigned data: its owner's whole path is walked to
// find the insecure cut, and a check starts a dozen lookups at once
// (MX, _mta-sts, _smtp._tls, _dmarc, the MX and policy hosts). Without
// sharing, each of them also asked DS and DNSKEY at its own names below
// a cut the others were about to prove insecure. With it, those names
// are asked only when the cut above them turns out Secure.
//
// The zero value is ready to use.
type walkGroup struct {
	mu    sync.Mutex
	walks map[string]*walkFuture
}

// walkFuture is one name's validation by one lookup. ci is valid after
// done is closed; shared says whether other lookups may use it (false
// when the validating lookup ran out of its own budget, was cancelled or
// met a network fault, and when its walk ended above the name).
type walkFuture struct {
	done   chan struct{}
	ci     cutInfo
	shared bool
}

// inFlight returns the validation of name in progress, or nil.
func (g *walkGroup) inFlight(name string) *walkFuture {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.walks[name]
}

// claim registers the caller as the validator of a leading run of names:
// it stops before the first name another lookup already validates. It
// returns the claimed futures, one per claimed name, in order.
func (g *walkGroup) claim(names []string) []*walkFuture {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.walks == nil {
		g.walks = map[string]*walkFuture{}
	}
	var out []*walkFuture
	for _, n := range names {
		if _, busy := g.walks[n]; busy {
			break
		}
		f := &walkFuture{done: make(chan struct{})}
		g.walks[n] = f
		out = append(out, f)
	}
	return out
}

// finish publishes the result of a claimed name and ends its claim. A
// future is finished once; later calls do nothing.
func (g *walkGroup) finish(name string, f *walkFuture, ci cutInfo, shared bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-f.done:
		return
	default:
	}
	if g.walks[name] == f {
		delete(g.walks, name)
	}
	f.ci, f.shared = ci, shared
	close(f.done)
}

// wait blocks until f is finished or ctx ends, and reports whether f
// holds a result the caller may use.
func (f *walkFuture) wait(ctx context.Context) (cutInfo, bool) {
	select {
	case <-f.done:
		return f.ci, f.shared
	case <-ctx.Done():
		return cutInfo{}, false
	}
}

// shareable reports whether a cut this lookup validated may be used by
// other lookups: not when it rests on this lookup's own limits (its query
// or verification budget), on a network fault, or on a cancelled context.
func (st *lookupState) shareable(ctx context.Context, ci cutInfo) bool {
	return ci.v.sec != Indeterminate && !st.budgetHit() && ctx.Err() == nil
}
