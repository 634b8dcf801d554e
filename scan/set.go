package scan

import "hash/maphash"

// DomainSet is a set of names kept as 64-bit hashes: 8 bytes of payload per
// name, whatever its length. With a random seed per set, two different names
// of a list of a million collide with a probability below 10^-7; a collision
// would make the scan skip one domain. The zero value is not usable; use
// NewDomainSet. A DomainSet is not safe for concurrent use.
type DomainSet struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

// NewDomainSet returns an empty set.
func NewDomainSet() *DomainSet {
	return &DomainSet{seed: maphash.MakeSeed(), m: make(map[uint64]struct{})}
}

// Add adds name and reports whether it was new.
func (s *DomainSet) Add(name string) bool {
	h := maphash.String(s.seed, name)
	if _, ok := s.m[h]; ok {
		return false
	}
	s.m[h] = struct{}{}
	return true
}

// Has reports whether name is in the set.
func (s *DomainSet) Has(name string) bool {
	_, ok := s.m[maphash.String(s.seed, name)]
	return ok
}

// Len returns the number of names in the set.
func (s *DomainSet) Len() int { return len(s.m) }
