package testworld

import (
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// depthLog measures the causal depth of the queries the upstream answers,
// which is what a round-trip test needs without timing anything: a
// query's depth is 1 plus the largest depth of the answers the upstream
// had sent before the query arrived. A query asked at the start has depth
// 1; a query that needed an earlier answer (the MX hosts' lookups need the
// MX answer) arrives after that answer was sent, so its depth is at least
// one more. The largest depth of a check is the number of sequential
// round trips on its critical path.
//
// The measure never undercounts: an answer a query depends on was sent
// before the query arrived. It overcounts only when an independent query
// arrives after another query's answer was sent, which an injected delay
// (Mail.SetDelay, DNS.SetDelay) makes need a stall of the asking
// goroutine longer than the delay.
type depthLog struct {
	mu      sync.Mutex
	sent    int                   // largest depth among the answers sent
	queries map[string]QueryDepth // by question
}

// arrive returns the depth of a query arriving now.
func (l *depthLog) arrive(q []dns.Question) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	depth := l.sent + 1
	if len(q) == 1 {
		if l.queries == nil {
			l.queries = make(map[string]QueryDepth)
		}
		k := strings.ToLower(q[0].Name) + " " + dns.TypeToString[q[0].Qtype]
		qd := l.queries[k]
		l.queries[k] = QueryDepth{Question: k, Depth: max(qd.Depth, depth), Count: qd.Count + 1}
	}
	return depth
}

// answered records that the answer to a query of depth was sent.
func (l *depthLog) answered(depth int) {
	l.mu.Lock()
	l.sent = max(l.sent, depth)
	l.mu.Unlock()
}

// QueryDepth is one question the upstream was asked, the largest causal
// depth it was asked at and how many times it was asked.
type QueryDepth struct {
	Question string // "name. TYPE", the name in lower case
	Depth    int
	Count    int
}

// Depths returns the causal depth of every question asked since the
// world started or since the last ResetDepths, deepest first (then by
// question), and the largest depth: the sequential round trips of
// whatever ran in between, when it ran alone.
func (d *DNS) Depths() ([]QueryDepth, int) {
	l := &d.depth
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]QueryDepth, 0, len(l.queries))
	deepest := 0
	for _, q := range l.queries {
		out = append(out, q)
		deepest = max(deepest, q.Depth)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Depth != out[j].Depth {
			return out[i].Depth > out[j].Depth
		}
		return out[i].Question < out[j].Question
	})
	return out, deepest
}

// ResetDepths forgets the depths measured so far: the next query has
// depth 1 again.
func (d *DNS) ResetDepths() {
	l := &d.depth
	l.mu.Lock()
	l.sent, l.queries = 0, nil
	l.mu.Unlock()
}
