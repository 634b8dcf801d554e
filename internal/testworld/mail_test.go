package testworld

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func startMailT(t *testing.T, opts MailOptions) *Mail {
	t.Helper()
	m, err := StartMail(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func mailQuery(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.SetEdns0(1232, true)
	q.CheckingDisabled = true
	r, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(q, addr)
	if err != nil {
		t.Fatalf("%s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

// banner connects to an SMTP server of the world and reads its greeting.
func banner(t *testing.T, ip string, port int) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		t.Fatalf("connect %s: %v", ip, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("banner of %s: %v", ip, err)
	}
	return line
}

// TestMailWorld checks the curated world: every scenario has its records,
// every server answers on the shared port with its host name, the TLSA
// records sit at _PORT._tcp, and the front fails exactly the questions of
// the lookup-failure scenario.
func TestMailWorld(t *testing.T) {
	m := startMailT(t, MailOptions{})
	if len(m.Scenarios) < 15 {
		t.Fatalf("%d scenarios", len(m.Scenarios))
	}
	seen := map[string]bool{}
	for _, s := range m.Scenarios {
		if seen[s.Name] || s.Domain != s.Name+"."+MailBase || s.Status == "" || s.DANE == "" || s.MTASTS == "" {
			t.Errorf("scenario %+v", s)
		}
		seen[s.Name] = true
		mx := mailQuery(t, m.Resolver(), s.Domain, dns.TypeMX)
		switch s.Name {
		case "implicit-mx":
			if len(mx.Answer) != 0 {
				t.Errorf("implicit-mx has MX records")
			}
		default:
			if mx.Rcode != dns.RcodeSuccess || len(mx.Answer) == 0 {
				t.Errorf("%s: MX answer %v", s.Name, mx)
			}
		}
	}
	for _, ip := range m.Addresses() {
		if line := banner(t, ip, m.Port); !strings.HasPrefix(line, "220 ") {
			t.Errorf("%s: banner %q", ip, line)
		}
	}
	if ip := m.Addresses()[0]; m.Connections()[ip] != 1 {
		t.Errorf("connections to %s: %d, want 1", ip, m.Connections()[ip])
	}
	owner := "_" + strconv.Itoa(m.Port) + "._tcp.mx1.dane-ee." + MailBase
	if r := mailQuery(t, m.Resolver(), owner, dns.TypeTLSA); len(r.Answer) < 2 {
		t.Errorf("TLSA at %s: %v", owner, r.Answer)
	}
	failing := "_" + strconv.Itoa(m.Port) + "._tcp.mx1.tlsa-servfail." + MailBase
	if r := mailQuery(t, m.Resolver(), failing, dns.TypeTLSA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("front: %s rcode %s, want SERVFAIL", failing, dns.RcodeToString[r.Rcode])
	}
	if r := mailQuery(t, m.DNS.Addr(), failing, dns.TypeTLSA); r.Rcode != dns.RcodeSuccess {
		t.Errorf("world: %s rcode %s, want NOERROR", failing, dns.RcodeToString[r.Rcode])
	}
	if r := mailQuery(t, m.Resolver(), "mx1.tlsa-servfail."+MailBase, dns.TypeA); r.Rcode != dns.RcodeSuccess {
		t.Errorf("front fails A too: %s", dns.RcodeToString[r.Rcode])
	}
	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// TestMailSynthetic checks the generated domains: the count, the shared
// MX hosts on 127.1.x.y, null MX and unsigned zones in the mix, and the
// per-address connection counters.
func TestMailSynthetic(t *testing.T) {
	m := startMailT(t, MailOptions{Synthetic: 60, SyntheticMX: 12, NoIPv6: true})
	if len(m.Synthetic) != 60 {
		t.Fatalf("%d synthetic domains", len(m.Synthetic))
	}
	var null, plain, two int
	for _, d := range m.Synthetic {
		r := mailQuery(t, m.Resolver(), d, dns.TypeMX)
		if len(r.Answer) == 0 {
			t.Fatalf("%s: no MX", d)
		}
		switch {
		case r.Answer[0].(*dns.MX).Mx == ".":
			null++
		case len(r.Answer) == 2:
			two++
		}
		if strings.Contains(d, ".plain.") {
			plain++
		}
	}
	if null != 1 || plain != 6 || two == 0 {
		t.Errorf("mix: %d null MX, %d unsigned, %d with a backup", null, plain, two)
	}
	if _, ok := m.Stats("127.1.0.12"); !ok {
		t.Errorf("no server for synthetic host 11")
	}
	banner(t, "127.1.0.1", m.Port)
	banner(t, "127.1.0.1", m.Port)
	if st, _ := m.Stats("127.1.0.1"); st.Total != 2 {
		t.Errorf("connections counted: %d, want 2", st.Total)
	}
	if _, err := StartMail(MailOptions{Synthetic: 1, SyntheticMX: 250*250 + 1}); err == nil {
		t.Errorf("too many synthetic hosts accepted")
	}
}

// TestMailDelay checks that the SMTP servers of a world started with a
// delay answer after it, and that SetDelay changes it.
func TestMailDelay(t *testing.T) {
	const d = 150 * time.Millisecond
	m := startMailT(t, MailOptions{Delay: d, NoIPv6: true})
	ip := m.Addresses()[0]
	start := time.Now()
	if line := banner(t, ip, m.Port); !strings.HasPrefix(line, "220 ") {
		t.Fatalf("banner %q", line)
	}
	if el := time.Since(start); el < d {
		t.Errorf("banner after %s, want at least %s", el, d)
	}
	m.SetDelay(0)
	start = time.Now()
	banner(t, ip, m.Port)
	if el := time.Since(start); el >= d {
		t.Errorf("banner after %s with no delay", el)
	}
	if st, _ := m.Stats(ip); st.Total != 2 {
		t.Errorf("connections behind the proxy: %d, want 2", st.Total)
	}
}

// TestAllocIPByName: a host's address depends on its name, not on the
// hosts allocated before it (so a new scenario moves no other golden
// file); a second host of the same name gets another address, and
// 127.0.0.1 is never given.
func TestAllocIPByName(t *testing.T) {
	var a, b mailBuild
	a.allocIP("mx1.first.mail.test")
	a.allocIP("mx1.second.mail.test")
	got := a.allocIP("mx1.dane-ee.mail.test")
	if want := b.allocIP("mx1.dane-ee.mail.test"); got != want {
		t.Errorf("address after two other hosts %s, alone %s", got, want)
	}
	if again := b.allocIP("mx1.dane-ee.mail.test"); again == got || !strings.HasPrefix(again, "127.0.") {
		t.Errorf("second host of the same name got %s (first %s)", again, got)
	}
	var c mailBuild
	seen := map[string]bool{}
	for i := range 2000 {
		ip := c.allocIP(fmt.Sprintf("h%d.mail.test", i))
		if ip == "127.0.0.1" || seen[ip] || !strings.HasPrefix(ip, "127.0.") {
			t.Fatalf("host %d got %s", i, ip)
		}
		seen[ip] = true
	}
}
