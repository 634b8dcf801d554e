package testworld

import (
	"runtime"
	"sync"
)

// SignAll makes every RRSIG of the world now, on all CPUs, instead of on
// first use. Lazy signing keeps the start of a world cheap for tests
// that ask a few names, but it makes the first scan of a big synthetic
// world pay for signing (about an eighth of BenchmarkScan's CPU at 10,000
// domains): a benchmark of the scanner calls SignAll before it measures,
// so that the world costs what a real recursive resolver's cache would,
// serving already signed data. It returns the first signing error.
func (d *DNS) SignAll() error {
	var sets []func()
	for _, z := range d.world.zones {
		for _, n := range z.nodes {
			for _, s := range n.sets {
				sets = append(sets, func() { z.sigs(s) })
			}
		}
		for _, e := range z.nsec3 {
			sets = append(sets, func() { z.sigs(e.set) })
		}
	}
	var wg sync.WaitGroup
	work := make(chan func())
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				f()
			}
		}()
	}
	for _, f := range sets {
		work <- f
	}
	close(work)
	wg.Wait()
	for _, z := range d.world.zones {
		if p := z.signErr.Load(); p != nil {
			return *p
		}
	}
	return nil
}
