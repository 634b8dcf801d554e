package smtpprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// ehloThen502 serves a banner, answers EHLO with ehlo, refuses STARTTLS
// with 502 and says goodbye.
func ehloThen502(ehlo string) DialFunc {
	return scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220 mx.example ESMTP\r\n")
		readCmd(r)
		fmt.Fprint(c, ehlo)
		readCmd(r)
		fmt.Fprint(c, "502 5.5.1 no\r\n")
		readCmd(r)
		fmt.Fprint(c, "221 bye\r\n")
	})
}

// TestEHLOQuirks: RFC 5321 §4.1.1.1: the first EHLO line holds the
// server's domain, extension keywords follow one per line and are
// case-insensitive (§2.4).
func TestEHLOQuirks(t *testing.T) {
	for _, c := range []struct {
		name, ehlo string
		starttls   bool
		exts       int
	}{
		{"lower case keyword", "250-mx.example\r\n250-starttls\r\n250 SIZE 1\r\n", true, 2},
		{"mixed case keyword", "250-mx.example\r\n250 StartTLS\r\n", true, 1},
		{"only line is the domain", "250 STARTTLS\r\n", false, 0},
		{"trailing spaces", "250-mx.example\r\n250 STARTTLS   \r\n", true, 1},
		{"trailing tab", "250-mx.example\r\n250 STARTTLS\t\r\n", true, 1},
		{"NUL after keyword", "250-mx.example\r\n250 STARTTLS\x00\r\n", false, 1},
		{"keyword with parameter", "250-mx.example\r\n250 STARTTLS REQUIRED\r\n", true, 1},
		{"prefix is not the keyword", "250-mx.example\r\n250 STARTTLSX\r\n", false, 1},
		{"bare LF line ends", "250-mx.example\n250 STARTTLS\n", true, 1},
		{"empty extension line", "250-mx.example\r\n250-\r\n250 8BITMIME\r\n", false, 1},
	} {
		p := &Prober{EHLOName: "probe.example.org", Dial: ehloThen502(c.ehlo)}
		res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
		if c.starttls {
			// Advertised but refused: a failure of the session.
			if err == nil || res.FailedStep != StepStartTLS {
				t.Errorf("%s: err %v failed %q", c.name, err, res.FailedStep)
			}
		} else if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if res.STARTTLSAdvertised != c.starttls || len(res.Extensions) != c.exts {
			t.Errorf("%s: advertised %v, extensions %q; want %v and %d", c.name, res.STARTTLSAdvertised, res.Extensions, c.starttls, c.exts)
		}
	}
}

// TestBrokenReplies: a reply cut by a close, codes that are not three
// digits, and a code change within one reply end the session with a
// classified outcome at the right step.
func TestBrokenReplies(t *testing.T) {
	for _, c := range []struct {
		name, ehlo string
		outcome    Outcome
	}{
		{"closed mid-reply", "250-mx.example\r\n250-PIPE", OutcomeEOF},
		{"closed mid-line", "250-mx.exa", OutcomeEOF},
		{"four digits", "2500 mx.example\r\n", OutcomeProtocol},
		{"two digits", "25 mx.example\r\n", OutcomeProtocol},
		{"letters", "ABC mx.example\r\n", OutcomeProtocol},
		{"first digit 6", "650 mx.example\r\n", OutcomeProtocol},
		{"code changes", "250-mx.example\r\n251 SIZE\r\n", OutcomeProtocol},
		{"bad separator", "250_mx.example\r\n", OutcomeProtocol},
	} {
		p := &Prober{EHLOName: "probe.example.org", Timeouts: Timeouts{EHLO: 2 * time.Second}, Dial: scripted(func(c2 net.Conn, r *bufio.Reader) {
			fmt.Fprint(c2, "220 mx.example\r\n")
			readCmd(r)
			fmt.Fprint(c2, c.ehlo)
		})}
		res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
		if err == nil || res.FailedStep != StepEHLO || res.Outcome != c.outcome {
			t.Errorf("%s: err %v failed %q outcome %q; want %q at ehlo", c.name, err, res.FailedStep, res.Outcome, c.outcome)
		}
	}
}

// TestHugeChainCapped: a server presenting hundreds of certificates has
// its chain recorded only up to MaxChainCerts, with the presented count.
func TestHugeChainCapped(t *testing.T) {
	ca, err := testworld.NewRootCA(testworld.CertOptions{CommonName: "Huge Root"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(testworld.CertOptions{DNSNames: []string{"mx.example"}})
	if err != nil {
		t.Fatal(err)
	}
	cert := leaf.TLSCertificate()
	const presented = 300 // ~120 KiB: fits TLS 1.3's certificate message limit
	for len(cert.Certificate) < presented {
		cert.Certificate = append(cert.Certificate, ca.Cert.Raw)
	}
	p := &Prober{EHLOName: "probe.example.org", Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220 mx.example\r\n")
		readCmd(r)
		fmt.Fprint(c, "250-mx.example\r\n250 STARTTLS\r\n")
		readCmd(r)
		fmt.Fprint(c, "220 go\r\n")
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() != nil {
			return
		}
		tr := bufio.NewReader(tc)
		readCmd(tr)
		fmt.Fprint(tc, "250 mx.example\r\n")
		readCmd(tr)
		fmt.Fprint(tc, "221 bye\r\n")
	})}
	res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
	if err != nil {
		t.Fatal(err)
	}
	if res.TLS == nil || res.TLS.ChainLength != presented || len(res.TLS.Chain) != MaxChainCerts || len(res.TLS.Certificates) != MaxChainCerts || !res.TLS.ChainTruncated {
		t.Fatalf("chain: %d presented, %d DER, %d parsed recorded, truncated %v", res.TLS.ChainLength, len(res.TLS.Chain), len(res.TLS.Certificates), res.TLS.ChainTruncated)
	}
	if string(res.TLS.Chain[0]) != string(leaf.Cert.Raw) {
		t.Error("the leaf is not first")
	}
}

// TestNoGoroutineLeak: sessions that time out at every stage, or are
// canceled, leave no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	settle := func() int {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	before := settle()
	stall := func(after string) DialFunc {
		return scripted(func(c net.Conn, r *bufio.Reader) {
			if after != "" {
				fmt.Fprint(c, after)
			}
			for {
				if _, err := r.ReadByte(); err != nil {
					return // the client closed
				}
			}
		})
	}
	short := Timeouts{Connect: time.Second, Banner: 50 * time.Millisecond, EHLO: 50 * time.Millisecond,
		STARTTLS: 50 * time.Millisecond, Handshake: 50 * time.Millisecond, Quit: 50 * time.Millisecond}
	for i := 0; i < 5; i++ {
		for _, d := range []DialFunc{
			stall(""),           // no banner
			stall("220 mx\r\n"), // no EHLO reply
			stall("220 mx\r\n250-mx\r\n250 STARTTLS\r\n"), // EHLO answered before it was sent, then silence
		} {
			p := &Prober{EHLOName: "probe.example.org", Timeouts: short, Dial: d}
			p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		p := &Prober{EHLOName: "probe.example.org", Dial: stall("220 mx\r\n")}
		if res, _ := p.Probe(ctx, Target{Host: "mx.example", Addr: testAddr}); res.Outcome != OutcomeCanceled {
			t.Errorf("canceled session: outcome %q", res.Outcome)
		}
	}
	var after int
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		if after = settle(); after <= before {
			return
		}
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
}

// TestLateInjectionReported: bytes that arrive after the STARTTLS 220
// in a later packet reach the TLS client as a malformed record; the probe
// reports them as injected and never as SMTP.
func TestLateInjectionReported(t *testing.T) {
	p := &Prober{EHLOName: "probe.example.org", Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220 mx\r\n")
		readCmd(r)
		fmt.Fprint(c, "250-mx\r\n250 STARTTLS\r\n")
		readCmd(r)
		fmt.Fprint(c, "220 go\r\n")
		go func() {
			for {
				if _, err := r.ReadByte(); err != nil {
					return
				}
			}
		}()
		time.Sleep(30 * time.Millisecond)
		fmt.Fprint(c, "250 INJECTED\r\n")
		time.Sleep(100 * time.Millisecond)
	})}
	res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) || res.FailedStep != StepHandshake || res.Outcome != OutcomeProtocol {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
	if !strings.HasPrefix(string(res.InjectedBytes), "250 INJECTED\r\n") || res.InjectedCount != len(res.InjectedBytes) || !res.InjectedLate {
		t.Errorf("injected %q (%d), late %v", res.InjectedBytes, res.InjectedCount, res.InjectedLate)
	}
}

// TestEHLOAfterTLSStepDeadline: the EHLO step over TLS has one deadline
// for the whole step, also when EHLO is refused and HELO follows (go-smtp
// sets a fresh deadline per command).
func TestEHLOAfterTLSStepDeadline(t *testing.T) {
	leaf, err := testworld.SelfSigned(testworld.CertOptions{DNSNames: []string{"mx.example"}})
	if err != nil {
		t.Fatal(err)
	}
	const step = 400 * time.Millisecond
	p := &Prober{EHLOName: "probe.example.org", Timeouts: Timeouts{EHLO: step}, Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220 mx.example\r\n")
		readCmd(r)
		fmt.Fprint(c, "250-mx.example\r\n250 STARTTLS\r\n")
		readCmd(r)
		fmt.Fprint(c, "220 go\r\n")
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}})
		if tc.Handshake() != nil {
			return
		}
		tr := bufio.NewReader(tc)
		readCmd(tr)
		time.Sleep(step * 3 / 4)
		fmt.Fprint(tc, "502 5.5.1 EHLO not here\r\n")
		readCmd(tr) // HELO: never answered
		time.Sleep(3 * step)
	})}
	start := time.Now()
	res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
	took := time.Since(start)
	if err == nil || res.FailedStep != StepEHLOAfterTLS || res.Outcome != OutcomeTimeout {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
	if st, _ := res.Step(StepEHLOAfterTLS); st.Duration > step+step/2 {
		t.Errorf("EHLO step took %v, deadline %v", st.Duration, step)
	}
	if took > 3*time.Second {
		t.Errorf("session took %v", took)
	}
}

// TestSTARTTLSUnanswered: a server that reads STARTTLS and never answers
// is cut off at the STARTTLS step deadline.
func TestSTARTTLSUnanswered(t *testing.T) {
	const step = 300 * time.Millisecond
	p := &Prober{EHLOName: "probe.example.org", Timeouts: Timeouts{STARTTLS: step}, Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220 mx.example\r\n")
		readCmd(r)
		fmt.Fprint(c, "250-mx.example\r\n250 STARTTLS\r\n")
		for {
			if _, err := r.ReadByte(); err != nil {
				return
			}
		}
	})}
	res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
	if err == nil || res.FailedStep != StepStartTLS || res.Outcome != OutcomeTimeout || !res.STARTTLSAttempted || res.STARTTLSAccepted {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
	if st, _ := res.Step(StepStartTLS); st.Duration > 3*step {
		t.Errorf("STARTTLS step took %v, deadline %v", st.Duration, step)
	}
}

// TestOversizedRecordNotInjection: a record header error on what is a TLS
// record (an oversized handshake record) is a broken TLS stack, not
// plaintext injection.
func TestOversizedRecordNotInjection(t *testing.T) {
	p := &Prober{EHLOName: "probe.example.org", Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220 mx\r\n")
		readCmd(r)
		fmt.Fprint(c, "250-mx\r\n250 STARTTLS\r\n")
		readCmd(r)
		fmt.Fprint(c, "220 go\r\n")
		go func() {
			for {
				if _, err := r.ReadByte(); err != nil {
					return
				}
			}
		}()
		c.Write([]byte{22, 3, 3, 0xff, 0xff}) // a handshake record of 65535 bytes
		time.Sleep(100 * time.Millisecond)
	})}
	res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
	if err == nil || res.FailedStep != StepHandshake || res.InjectedCount != 0 || res.InjectedLate {
		t.Errorf("err %v failed %q injected %q late %v", err, res.FailedStep, res.InjectedBytes, res.InjectedLate)
	}
}
