package dnssec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// maxStrayAnswers bounds the datagrams read for one UDP query that are
// not its answer (another ID, another question, or unparseable).
const maxStrayAnswers = 64

// exchangeUDP sends q over UDP and waits for its answer until the
// deadline. A datagram with another ID or for another question is not the
// answer and is ignored (RFC 5452 §4.1, §9.1: an answer is accepted only
// when its ID, question and source match the query), so one spoofed or
// late datagram cannot make the lookup fail; it fails only when the right
// answer does not come in time. The source address is checked by the
// connected socket.
//
// When no answer has come after resendAfter (and the deadline is further
// off), the same datagram is sent once more on the same socket, so a lost
// datagram costs one retransmission interval, and an answer to either
// copy is taken. It returns the answer, its round trip (0 when the
// datagram was sent twice: by Karn's algorithm that sample would be
// ambiguous) and whether the datagram was sent twice.
func exchangeUDP(ctx context.Context, c *dns.Client, up string, q *dns.Msg, resendAfter time.Duration) (*dns.Msg, time.Duration, bool, error) {
	co, err := c.DialContext(ctx, up)
	if err != nil {
		return nil, 0, false, err
	}
	defer co.Close()
	co.UDPSize = ednsBufferSize
	start := time.Now()
	deadline := start.Add(c.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	first := deadline
	mayResend := resendAfter > 0 && start.Add(resendAfter).Before(deadline)
	if mayResend {
		first = start.Add(resendAfter)
	}
	if err := co.SetDeadline(first); err != nil {
		return nil, 0, false, err
	}
	stop := context.AfterFunc(ctx, func() { co.SetDeadline(time.Now()) })
	defer stop()
	sent := false // the second copy
	if err := co.WriteMsg(q); err != nil {
		return nil, 0, false, err
	}
	stray := 0
	for {
		resp, err := co.ReadMsg()
		var ne net.Error
		switch {
		case err != nil && errors.As(err, &ne):
			if ctx.Err() != nil {
				return nil, 0, sent, ctx.Err()
			}
			if ne.Timeout() && mayResend && !sent {
				sent = true
				if err := co.SetDeadline(deadline); err != nil {
					return nil, 0, sent, err
				}
				if ctx.Err() != nil { // ended before the deadline was set
					return nil, 0, sent, ctx.Err()
				}
				if err := co.WriteMsg(q); err != nil {
					return nil, 0, sent, err
				}
				continue
			}
			if stray > 0 {
				return nil, 0, sent, fmt.Errorf("%w (after ignoring %d answers that were not for this query)", err, stray)
			}
			return nil, 0, sent, err
		case err == nil && resp.Id == q.Id && (resp.Rcode == dns.RcodeFormatError || sameQuestion(resp, q)):
			// A FORMERR may come without the question (RFC 6891 §7).
			var rtt time.Duration
			if !sent {
				rtt = time.Since(start)
			}
			return resp, rtt, sent, nil
		}
		if stray++; stray > maxStrayAnswers {
			return nil, 0, sent, fmt.Errorf("more than %d answers that were not for this query", maxStrayAnswers)
		}
	}
}

// sameQuestion reports whether resp answers q's one question (RFC 5452
// §4.1: name compared case-insensitively, type and class).
func sameQuestion(resp, q *dns.Msg) bool {
	return len(resp.Question) == 1 && strings.EqualFold(resp.Question[0].Name, q.Question[0].Name) &&
		resp.Question[0].Qtype == q.Question[0].Qtype && resp.Question[0].Qclass == q.Question[0].Qclass
}
