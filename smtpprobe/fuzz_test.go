package smtpprobe

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// FuzzSession feeds arbitrary server output to a whole session: the probe
// must end with a classified outcome, never panic or hang, and keep its
// caps.
func FuzzSession(f *testing.F) {
	f.Add([]byte("220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\nINJECT"))
	f.Add([]byte("220 mx\r\n502 no\r\n250 mx\r\n454 later\r\n221 bye\r\n"))
	f.Add([]byte("220-a\r\n220-b\r\n220 c\r\n250 mx\r\n502 no\r\n221 x\r\n"))
	f.Add([]byte("554 go away\r\n221 bye\r\n"))
	f.Add([]byte("220 mx\r\n250-mx\r\n251 x\r\n"))
	f.Add([]byte("220 mx\r\n250 mx\r\n220 tls\r\n\x16\x03\x01\x00\x05hello"))
	f.Fuzz(func(t *testing.T, out []byte) {
		p := &Prober{
			EHLOName:      "probe.example.org",
			MaxReplyBytes: 512,
			MaxReplyLines: 16,
			Timeouts: Timeouts{Connect: time.Second, Banner: 100 * time.Millisecond, EHLO: 100 * time.Millisecond,
				STARTTLS: 100 * time.Millisecond, Handshake: 100 * time.Millisecond, Quit: 100 * time.Millisecond},
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				client, server := net.Pipe()
				go func() {
					defer server.Close()
					go io.Copy(io.Discard, server)
					server.SetWriteDeadline(time.Now().Add(time.Second))
					server.Write(out)
					time.Sleep(20 * time.Millisecond)
				}()
				return client, nil
			},
		}
		start := time.Now()
		res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("session took %v", d)
		}
		if res == nil || len(res.Steps) == 0 {
			t.Fatal("no result")
		}
		if (err != nil) != (res.FailedStep != "") {
			t.Fatalf("err %v but failed step %q", err, res.FailedStep)
		}
		for _, s := range res.Steps {
			if s.Outcome == "" || (s.Outcome == OutcomeOK) != (s.Error == "") {
				t.Fatalf("step %+v", s)
			}
		}
		if len(res.Extensions) > 16 || len(res.InjectedBytes) > maxInjectedKept {
			t.Fatalf("caps exceeded: %d extensions, %d injected", len(res.Extensions), len(res.InjectedBytes))
		}
	})
}
