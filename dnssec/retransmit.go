package dnssec

import (
	"sync"
	"time"
)

// minRetransmit is the shortest wait before a UDP query is sent again.
// Resolvers time their retransmissions by the server's measured round
// trip (Unbound from 50 ms up); this floor leaves a loaded machine, whose
// answers may stall for a few hundred milliseconds, room before it sends
// a second copy, while a lost datagram costs half a second instead of
// half the query timeout (2.5 s by default).
const minRetransmit = 500 * time.Millisecond

// rttTable keeps a smoothed round-trip time per upstream, as TCP does for
// its retransmission timer (RFC 6298 §2: SRTT, RTTVAR, RTO = SRTT +
// 4·RTTVAR). The zero value is ready to use.
type rttTable struct {
	mu sync.Mutex
	m  map[string]rttStat
}

type rttStat struct {
	srtt, rttvar time.Duration
}

// sample records the round trip of an answered query. The caller gives
// none for a query it sent twice, since either copy may have been
// answered (Karn's algorithm), so a retransmission never blurs a sample.
func (t *rttTable) sample(up string, rtt time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]rttStat{}
	}
	s, ok := t.m[up]
	if !ok {
		t.m[up] = rttStat{srtt: rtt, rttvar: rtt / 2}
		return
	}
	diff := s.srtt - rtt
	if diff < 0 {
		diff = -diff
	}
	s.rttvar = (3*s.rttvar + diff) / 4
	s.srtt = (7*s.srtt + rtt) / 8
	t.m[up] = s
}

// retransmitAfter returns how long to wait for an answer from up before
// sending the query again: SRTT + 4·RTTVAR, at least minRetransmit, at
// most half of timeout; half of timeout before up has answered anything.
func (t *rttTable) retransmitAfter(up string, timeout time.Duration) time.Duration {
	t.mu.Lock()
	s, ok := t.m[up]
	t.mu.Unlock()
	limit := timeout / 2
	if !ok {
		return limit
	}
	return min(max(s.srtt+4*s.rttvar, minRetransmit), limit)
}
