package scan

import (
	"errors"
	"github.com/daneprobe/daneprobe/names"
	"io"
)

// Source yields the domains a scan should check, once each: it takes
// normalised names from Next, drops duplicates, names outside the Shard and
// names in Done, and reports bad lines to OnBad.
type Source struct {
	// Next returns the next normalised domain, a *LineError for a bad
	// line, io.EOF at the end, or another (fatal) error. A ListReader's
	// Next method fits.
	Next func() (string, error)
	// Shard limits the domains to one shard; the zero value keeps all.
	Shard Shard
	// Done holds the domains already scanned (from ReadResults on
	// resume); nil means none.
	Done *DomainSet
	// OnBad is called for each bad input line; nil ignores them.
	OnBad func(*LineError)

	seen *DomainSet
	// Counts of what was read and dropped.
	Read, Bad, Duplicates, OtherShard, AlreadyDone int
}

// Domain returns the next domain to scan, or io.EOF when the input is
// exhausted. Other errors come from Next and end the input.
func (s *Source) Domain() (string, error) {
	if s.seen == nil {
		s.seen = NewDomainSet()
	}
	for {
		d, err := s.Next()
		var le *LineError
		switch {
		case errors.As(err, &le):
			s.Bad++
			if s.OnBad != nil {
				s.OnBad(le)
			}
			continue
		case errors.Is(err, io.EOF):
			return "", io.EOF
		case err != nil:
			return "", err
		}
		s.Read++
		// Shard first: names of other shards need no memory at all.
		if !s.Shard.Contains(d) {
			s.OtherShard++
			continue
		}
		if !s.seen.Add(d) {
			s.Duplicates++
			continue
		}
		if s.Done != nil && s.Done.Has(d) {
			s.AlreadyDone++
			continue
		}
		return d, nil
	}
}

// InputStats counts what a Source read and dropped.
type InputStats struct {
	Read, Bad, Duplicates, OtherShard, AlreadyDone int
}

// Stats returns the counts so far. Like Domain, it is not safe for
// concurrent use; Engine.Run reports a snapshot in RunStats.Input.
func (s *Source) Stats() InputStats {
	return InputStats{Read: s.Read, Bad: s.Bad, Duplicates: s.Duplicates, OtherShard: s.OtherShard, AlreadyDone: s.AlreadyDone}
}

// SliceNext returns a Next function over a fixed list of names, normalising
// each; for maillog rankings and tests.
func SliceNext(list []string) func() (string, error) {
	i := 0
	return func() (string, error) {
		if i >= len(list) {
			return "", io.EOF
		}
		i++
		d, err := names.ParseDomain(list[i-1])
		if err != nil {
			return "", &LineError{Line: i, Text: cut(list[i-1]), Err: err}
		}
		return d, nil
	}
}
