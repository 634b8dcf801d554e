package testworld

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// world is the signed hierarchy: every zone by origin.
type world struct {
	zones map[string]*zone
	root  *zone
}

// buildWorld parses, links and signs the zones: the built-in scenario
// zones plus extra (an extra zone replaces a built-in one with the same
// origin). Every zone is delegated from its closest enclosing zone, which
// gets the NS RRset and, for a signed child, the DS RRset.
func buildWorld(extra []ZoneSpec, now time.Time) (*world, error) {
	specs := map[string]ZoneSpec{}
	for _, s := range builtinZones() {
		specs[dns.CanonicalName(s.Origin)] = s
	}
	for _, s := range extra {
		specs[dns.CanonicalName(s.Origin)] = s
	}
	if _, ok := specs["."]; !ok {
		return nil, fmt.Errorf("test world: no root zone")
	}
	w := &world{zones: map[string]*zone{}}
	for _, s := range specs {
		z, err := parseZone(s)
		if err != nil {
			return nil, fmt.Errorf("test world: %w", err)
		}
		w.zones[z.origin] = z
	}
	w.root = w.zones["."]
	if !w.root.signed {
		return nil, fmt.Errorf("test world: the root zone must be signed")
	}
	// Deepest zones first, so that parents are complete before signing.
	ordered := make([]*zone, 0, len(w.zones))
	for _, z := range w.zones {
		ordered = append(ordered, z)
	}
	sort.Slice(ordered, func(i, j int) bool {
		if ordered[i].labels != ordered[j].labels {
			return ordered[i].labels > ordered[j].labels
		}
		return ordered[i].origin < ordered[j].origin
	})
	if err := parallel(ordered, (*zone).makeKeys); err != nil {
		return nil, fmt.Errorf("test world: %w", err)
	}
	for _, z := range ordered {
		if z == w.root {
			continue
		}
		z.parent = w.enclosing(parentName(z.origin))
		if err := z.parent.delegate(z); err != nil {
			return nil, fmt.Errorf("test world: %w", err)
		}
	}
	for _, z := range ordered {
		for p := z; p != nil; p = p.parent {
			if p.spec.Faults.bogus() {
				z.bogus = true
			}
		}
	}
	if err := parallel(ordered, func(z *zone) error { return z.finish(now) }); err != nil {
		return nil, fmt.Errorf("test world: %w", err)
	}
	return w, nil
}

// delegate adds the NS RRset (unless the zone data has one) and the DS
// RRset for child to the parent zone z.
func (z *zone) delegate(child *zone) error {
	if n := z.nodes[child.origin]; n == nil || n.sets[dns.TypeNS] == nil {
		if err := z.add(nsRecord(child.origin)); err != nil {
			return fmt.Errorf("delegate %s from %s: %w", child.origin, z.origin, err)
		}
	}
	for _, ds := range child.dsRecords() {
		if err := z.add(ds); err != nil {
			return fmt.Errorf("delegate %s from %s: %w", child.origin, z.origin, err)
		}
	}
	return nil
}

// enclosing returns the deepest zone whose origin is name or an ancestor
// of name. The root zone encloses everything.
func (w *world) enclosing(name string) *zone {
	for p := name; ; p = parentName(p) {
		if z := w.zones[p]; z != nil {
			return z
		}
		if p == "." {
			return w.root
		}
	}
}

// parallel runs f on every zone with a few workers: key generation and
// signing are CPU-bound and independent from zone to zone.
func parallel(zones []*zone, f func(*zone) error) error {
	const workers = 4
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan *zone)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for z := range next {
				if err := f(z); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, z := range zones {
		next <- z
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}
