package testworld

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func startTestSMTP(t *testing.T, o SMTPOptions) *SMTPServer {
	t.Helper()
	s, err := StartSMTP(o)
	if err != nil {
		t.Fatalf("StartSMTP(%s): %v", o.Kind, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// smtpChat connects, reads the banner, sends cmds and returns every line
// read, stopping at the first reply that is not a continuation.
func smtpChat(t *testing.T, addr string, cmds ...string) (net.Conn, *bufio.Reader, []string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	var lines []string
	readReply := func() {
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("read: %v (after %q)", err, lines)
			}
			lines = append(lines, strings.TrimRight(l, "\r\n"))
			if len(l) < 4 || l[3] != '-' {
				return
			}
		}
	}
	readReply()
	for _, cmd := range cmds {
		fmt.Fprintf(c, "%s\r\n", cmd)
		readReply()
	}
	return c, r, lines
}

func TestSMTPRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:25", "[::]:0", "mx.example:25", "nonsense"} {
		if s, err := StartSMTP(SMTPOptions{Addr: addr}); err == nil {
			s.Close()
			t.Errorf("StartSMTP(%q) accepted", addr)
		}
	}
}

func TestSMTPDialogues(t *testing.T) {
	cases := []struct {
		kind SMTPKind
		want []string // substrings expected in the reply lines, in order
	}{
		{SMTPStartTLS, []string{"220 ", "STARTTLS", "220 2.0.0"}},
		{SMTPNoStartTLS, []string{"220 ", "250 ", "502 "}},
		{SMTPHiddenStartTLS, []string{"220 ", "250 SIZE", "220 2.0.0"}},
		{SMTPStartTLS454, []string{"220 ", "250-STARTTLS", "454 "}},
		{SMTPRejectBanner, []string{"554 ", "250 SIZE", "502 "}},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			s := startTestSMTP(t, SMTPOptions{Kind: c.kind})
			conn, _, lines := smtpChat(t, s.Addr, "EHLO client.example", "STARTTLS")
			defer conn.Close()
			all := strings.Join(lines, "\n")
			pos := 0
			for _, w := range c.want {
				i := strings.Index(all[pos:], w)
				if i < 0 {
					t.Fatalf("%q not found in order in %q", w, all)
				}
				pos += i + len(w)
			}
			if c.kind == SMTPHiddenStartTLS && strings.Contains(all, "STARTTLS") {
				t.Errorf("hidden kind advertised STARTTLS: %q", all)
			}
		})
	}
}

func TestSMTPHandshakeCountersAndSNI(t *testing.T) {
	leaf, err := SelfSigned(CertOptions{DNSNames: []string{"mx.example"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []SMTPKind{SMTPStartTLS, SMTPHiddenStartTLS, SMTPInjectAfter220, SMTPLegacyTLS} {
		t.Run(string(kind), func(t *testing.T) {
			s := startTestSMTP(t, SMTPOptions{Kind: kind, Certificate: leaf.TLSCertificate()})
			conn, r, _ := smtpChat(t, s.Addr, "EHLO client.example", "STARTTLS")
			defer conn.Close()
			if kind == SMTPInjectAfter220 {
				b := make([]byte, len(DefaultInjection))
				if _, err := r.Read(b); err != nil || string(b) != DefaultInjection {
					t.Fatalf("injection %q %v", b, err)
				}
			}
			tc := tls.Client(conn, &tls.Config{ServerName: "sni.example", InsecureSkipVerify: true, MinVersion: tls.VersionTLS10})
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			if kind == SMTPLegacyTLS && tc.ConnectionState().Version != tls.VersionTLS11 {
				t.Errorf("legacy server negotiated %s", tls.VersionName(tc.ConnectionState().Version))
			}
			// In TLS 1.3 the client finishes first: give the server a
			// moment to count its side.
			for end := time.Now().Add(3 * time.Second); s.Stats().Handshakes == 0 && time.Now().Before(end); {
				time.Sleep(5 * time.Millisecond)
			}
			if st := s.Stats(); st.LastSNI != "sni.example" || st.ClientHellos != 1 || st.Handshakes != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestSMTPConnectionCounters(t *testing.T) {
	s := startTestSMTP(t, SMTPOptions{Kind: SMTPNoStartTLS})
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, _, _ := smtpChat(t, s.Addr) // banner read: the server accepted
		conns = append(conns, c)
	}
	if st := s.Stats(); st.Total != 3 || st.Current != 3 || st.Peak != 3 {
		t.Errorf("with 3 open: %+v", st)
	}
	for _, c := range conns {
		fmt.Fprint(c, "QUIT\r\n")
		c.Close()
	}
	deadline := time.Now().Add(3 * time.Second)
	for s.Stats().Current != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c, _, _ := smtpChat(t, s.Addr)
	c.Close()
	if st := s.Stats(); st.Total != 4 || st.Peak != 3 {
		t.Errorf("after: %+v", st)
	}
}

// TestSMTPSharedPort starts servers of different kinds on several loopback
// addresses with one port, as the check tests do for MX hosts.
func TestSMTPSharedPort(t *testing.T) {
	first := startTestSMTP(t, SMTPOptions{Addr: "127.0.0.11:0", Kind: SMTPStartTLS})
	_, port, _ := net.SplitHostPort(first.Addr)
	second := startTestSMTP(t, SMTPOptions{Addr: "127.0.0.12:" + port, Kind: SMTPStartTLS454})
	for _, s := range []*SMTPServer{first, second} {
		c, _, lines := smtpChat(t, s.Addr, "EHLO client.example")
		c.Close()
		if !strings.HasPrefix(lines[0], "220 ") {
			t.Errorf("%s: banner %q", s.Addr, lines[0])
		}
	}
	if second.Addr != "127.0.0.12:"+port {
		t.Errorf("second at %s", second.Addr)
	}
}

// TestSMTPCloseEndsEverything checks that Close returns promptly with
// clients still connected to every hostile kind.
func TestSMTPCloseEndsEverything(t *testing.T) {
	for _, kind := range SMTPKinds {
		s, err := StartSMTP(SMTPOptions{Kind: kind, TrickleInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "EHLO x\r\nSTARTTLS\r\n")
		time.Sleep(20 * time.Millisecond)
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s: Close hangs", kind)
		}
		c.Close()
		if st := s.Stats(); st.Current != 0 {
			t.Errorf("%s: %d connections left open", kind, st.Current)
		}
	}
	// Close right after start (before Serve runs) and twice.
	s, err := StartSMTP(SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); s.Close() }()
	}
	wg.Wait()
}

func TestLoadSMTPScenarios(t *testing.T) {
	sc, err := LoadSMTPScenarios("../../testdata/smtpprobe/scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[SMTPKind]bool{}
	for _, s := range sc {
		seen[s.Kind] = true
	}
	for _, k := range SMTPKinds {
		if !seen[k] {
			t.Errorf("kind %s has no scenario", k)
		}
	}
	if _, err := LoadSMTPScenarios("testdata/does-not-exist.json"); err == nil {
		t.Error("missing file accepted")
	}
}
