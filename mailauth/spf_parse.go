package mailauth

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Qualifier is the result a matching SPF mechanism gives (RFC 7208
// §4.6.2): '+' pass, '-' fail, '~' softfail, '?' neutral.
type Qualifier byte

// Result returns the check_host() result of a match with this qualifier.
func (q Qualifier) Result() SPFResult {
	switch q {
	case '-':
		return SPFFail
	case '~':
		return SPFSoftfail
	case '?':
		return SPFNeutral
	}
	return SPFPass
}

// Term is one directive or modifier of an SPF record.
type Term struct {
	// Pos is the byte offset of the term in the record.
	Pos int
	// Text is the term as written.
	Text string
	// Qualifier is set for directives ('+' when none was written).
	Qualifier Qualifier
	// Mechanism is the lower-case mechanism name ("all", "include", "a",
	// "mx", "ptr", "ip4", "ip6", "exists"); empty for a modifier.
	Mechanism string
	// Modifier is the lower-case modifier name ("redirect", "exp" or an
	// unknown one); empty for a directive.
	Modifier string
	// Domain is the domain-spec as written, macros unexpanded; empty when
	// the term has none.
	Domain string
	// Net is the network of ip4 and ip6.
	Net netip.Prefix
	// CIDR4 and CIDR6 are the dual-cidr-length of a and mx; -1 when
	// absent.
	CIDR4, CIDR6 int
}

// CountsLookup reports whether the term is one of those RFC 7208 §4.6.4
// counts against the limit of 10 DNS lookups.
func (t *Term) CountsLookup() bool {
	switch t.Mechanism {
	case "include", "a", "mx", "ptr", "exists":
		return true
	}
	return t.Modifier == "redirect"
}

// SPFRecord is a parsed SPF record.
type SPFRecord struct {
	// Terms holds the directives and modifiers in record order.
	Terms []Term
	// Redirect and Exp point into Terms; nil when absent.
	Redirect, Exp *Term
}

// All returns the all mechanism's term, or nil.
func (r *SPFRecord) All() *Term {
	for i := range r.Terms {
		if r.Terms[i].Mechanism == "all" {
			return &r.Terms[i]
		}
	}
	return nil
}

// SyntaxError is the first syntax error of a record (RFC 7208 §4.6: a
// record that does not match the ABNF of §12 is a permerror).
type SyntaxError struct {
	// Pos is the byte offset in the record where the bad term starts.
	Pos int
	// Term is the bad term, shortened.
	Term string
	// Msg says what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("at offset %d (%q): %s", e.Pos, e.Term, e.Msg)
}

// IsSPFRecord reports whether a TXT string is an SPF record: RFC 7208
// §4.5, it begins with the version section "v=spf1", which ends at a
// space or the end of the record ("v=spf10" is not one); ABNF strings are
// case-insensitive (RFC 5234 §2.3).
func IsSPFRecord(s string) bool {
	const version = "v=spf1"
	if len(s) < len(version) || !strings.EqualFold(s[:len(version)], version) {
		return false
	}
	rest := s[len(version):]
	return rest == "" || rest[0] == ' '
}

// ParseSPF parses an SPF record (RFC 7208 §4.6, §12). The error, a
// *SyntaxError, names the first bad term and its position.
func ParseSPF(s string) (*SPFRecord, error) {
	if !IsSPFRecord(s) {
		return nil, &SyntaxError{Pos: 0, Term: short(s), Msg: `the record does not start with "v=spf1"`}
	}
	r := &SPFRecord{}
	i := len("v=spf1")
	for i < len(s) {
		// RFC 7208 §4.6.1: terms are separated by one or more SP (only
		// the space character; a tab is a syntax error).
		if s[i] == ' ' {
			i++
			continue
		}
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			j = len(s)
		} else {
			j += i
		}
		t, err := parseTerm(s[i:j])
		if err != nil {
			return nil, &SyntaxError{Pos: i, Term: short(s[i:j]), Msg: err.Error()}
		}
		t.Pos = i
		r.Terms = append(r.Terms, t)
		i = j
	}
	for k := range r.Terms {
		t := &r.Terms[k]
		var slot **Term
		switch t.Modifier {
		case "redirect":
			slot = &r.Redirect
		case "exp":
			slot = &r.Exp
		default:
			continue
		}
		if *slot != nil {
			// RFC 7208 §6: redirect and exp each appear at most once.
			return nil, &SyntaxError{Pos: t.Pos, Term: short(t.Text), Msg: "the " + t.Modifier + " modifier appears more than once (RFC 7208 §6)"}
		}
		*slot = t
	}
	return r, nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func parseTerm(s string) (Term, error) {
	t := Term{Text: s, CIDR4: -1, CIDR6: -1}
	// A modifier is name "=" macro-string, name = ALPHA *( ALPHA / DIGIT
	// / "-" / "_" / "." ) (RFC 7208 §12); a mechanism never holds "="
	// before its ":" or "/".
	if k := strings.IndexAny(s, "=:/"); k > 0 && s[k] == '=' && isName(s[:k]) {
		t.Modifier = strings.ToLower(s[:k])
		v := s[k+1:]
		switch t.Modifier {
		case "redirect", "exp":
			if err := checkDomainSpec(v); err != nil {
				return t, err
			}
			t.Domain = v
		default:
			// RFC 7208 §6: unknown modifiers are ignored, but their
			// value must still be a macro-string.
			if err := checkMacroString(v, false); err != nil {
				return t, err
			}
		}
		return t, nil
	}
	t.Qualifier = '+'
	if s != "" && strings.ContainsRune("+-~?", rune(s[0])) {
		t.Qualifier = Qualifier(s[0])
		s = s[1:]
	}
	name, arg := s, ""
	if k := strings.IndexAny(s, ":/"); k >= 0 {
		name, arg = s[:k], s[k:]
	}
	t.Mechanism = strings.ToLower(name)
	switch t.Mechanism {
	case "all":
		if arg != "" {
			return t, fmt.Errorf("all takes no argument")
		}
	case "include", "exists":
		spec, ok := strings.CutPrefix(arg, ":")
		if !ok {
			return t, fmt.Errorf("%s needs a domain (%s:domain)", t.Mechanism, t.Mechanism)
		}
		if err := checkDomainSpec(spec); err != nil {
			return t, err
		}
		t.Domain = spec
	case "a", "mx":
		spec, cidr := arg, ""
		if k := strings.IndexByte(arg, '/'); k >= 0 {
			spec, cidr = arg[:k], arg[k:]
		}
		if spec != "" {
			d, ok := strings.CutPrefix(spec, ":")
			if !ok {
				return t, fmt.Errorf("unexpected %q after %s", spec, t.Mechanism)
			}
			if err := checkDomainSpec(d); err != nil {
				return t, err
			}
			t.Domain = d
		}
		if err := parseDualCIDR(cidr, &t); err != nil {
			return t, err
		}
	case "ptr":
		if arg != "" {
			d, ok := strings.CutPrefix(arg, ":")
			if !ok {
				return t, fmt.Errorf("ptr takes no CIDR length")
			}
			if err := checkDomainSpec(d); err != nil {
				return t, err
			}
			t.Domain = d
		}
	case "ip4", "ip6":
		v, ok := strings.CutPrefix(arg, ":")
		if !ok {
			return t, fmt.Errorf("%s needs a network (%s:address[/length])", t.Mechanism, t.Mechanism)
		}
		p, err := parseNetwork(v, t.Mechanism == "ip6")
		if err != nil {
			return t, err
		}
		t.Net = p
	case "":
		return t, fmt.Errorf("empty mechanism")
	default:
		// RFC 7208 §5: an unknown mechanism is a permerror.
		return t, fmt.Errorf("unknown mechanism %q (RFC 7208 §5)", name)
	}
	return t, nil
}

func isName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseCIDRLen parses "/N" with no leading zero and N <= max (RFC 7208
// §12: ip4-cidr-length, ip6-cidr-length).
func parseCIDRLen(s string, max int) (int, error) {
	v, ok := strings.CutPrefix(s, "/")
	if !ok || v == "" || len(v) > 3 || len(v) > 1 && v[0] == '0' {
		return 0, fmt.Errorf("bad CIDR length %q", s)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("CIDR length %q out of range 0-%d", s, max)
	}
	return n, nil
}

// parseDualCIDR parses dual-cidr-length = [ ip4-cidr-length ] [ "/"
// ip6-cidr-length ] (RFC 7208 §5.6).
func parseDualCIDR(s string, t *Term) error {
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "//") {
		n, err := parseCIDRLen(s[1:], 128)
		t.CIDR6 = n
		return err
	}
	v4, v6, two := s, "", false
	if k := strings.Index(s[1:], "//"); k >= 0 {
		v4, v6, two = s[:k+1], s[k+2:], true
	}
	n, err := parseCIDRLen(v4, 32)
	if err != nil {
		return err
	}
	t.CIDR4 = n
	if two {
		n, err := parseCIDRLen(v6, 128)
		if err != nil {
			return err
		}
		t.CIDR6 = n
	}
	return nil
}

func parseNetwork(s string, v6 bool) (netip.Prefix, error) {
	addr, cidr := s, ""
	if k := strings.IndexByte(s, '/'); k >= 0 {
		addr, cidr = s[:k], s[k:]
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("bad address %q", addr)
	}
	bits := 32
	if v6 {
		bits = 128
		if a.Is4() {
			return netip.Prefix{}, fmt.Errorf("ip6 needs an IPv6 address, not %q", addr)
		}
	} else if !a.Is4() {
		return netip.Prefix{}, fmt.Errorf("ip4 needs an IPv4 address, not %q", addr)
	}
	n := bits
	if cidr != "" {
		if n, err = parseCIDRLen(cidr, bits); err != nil {
			return netip.Prefix{}, err
		}
	}
	return a.Prefix(n)
}

// checkDomainSpec checks domain-spec = macro-string domain-end, with
// domain-end = ( "." toplabel [ "." ] ) / macro-expand (RFC 7208 §7.1).
func checkDomainSpec(s string) error {
	if s == "" {
		return fmt.Errorf("empty domain")
	}
	if err := checkMacroString(s, false); err != nil {
		return err
	}
	// The end is either a macro-expand or "." toplabel [ "." ].
	if strings.HasSuffix(s, "}") {
		if k := strings.LastIndex(s, "%{"); k >= 0 && !strings.Contains(s[k:], " ") {
			return nil
		}
	}
	if strings.HasSuffix(s, "%_") || strings.HasSuffix(s, "%-") || strings.HasSuffix(s, "%%") {
		// A bare escape as the last token: only valid when it is a
		// macro-expand (RFC 7208 §12 counts "%%", "%_" and "%-" as
		// macro-expand).
		return nil
	}
	d := strings.TrimSuffix(s, ".")
	k := strings.LastIndexByte(d, '.')
	if k < 0 {
		return fmt.Errorf("domain %q has no top label (RFC 7208 §7.1: domain-end)", s)
	}
	if !isTopLabel(d[k+1:]) {
		return fmt.Errorf("domain %q ends in an invalid top label %q", s, d[k+1:])
	}
	return nil
}

// isTopLabel: toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum
// "-" *( alphanum / "-" ) alphanum ).
func isTopLabel(l string) bool {
	if l == "" || len(l) > 63 {
		return false
	}
	alpha := false
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case isAlpha(c):
			alpha = true
		case isDigit(c):
		case c == '-':
			if i == 0 || i == len(l)-1 {
				return false
			}
			alpha = true // the second form: a hyphen makes it non-numeric
		default:
			return false
		}
	}
	return alpha
}

// macroLetters are the letters of RFC 7208 §7.2; c, r and t only in exp
// text.
const macroLetters = "slodiphv"

// checkMacroString checks macro-string = *( macro-expand / macro-literal
// ) (RFC 7208 §7.1).
func checkMacroString(s string, exp bool) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			// macro-literal = %x21-24 / %x26-7E
			if c < 0x21 || c > 0x7e {
				return fmt.Errorf("character %q is not allowed in a domain-spec", c)
			}
			continue
		}
		if i+1 >= len(s) {
			return fmt.Errorf("a lone %% ends the macro string (RFC 7208 §7.1: write %%%%)")
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
		default:
			return fmt.Errorf("%%%c is not a macro (RFC 7208 §7.1)", s[i+1])
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return fmt.Errorf("unterminated macro %q", short(s[i:]))
		}
		if _, err := parseMacro(s[i+2:i+end], exp); err != nil {
			return err
		}
		i += end
	}
	return nil
}

// macro is one parsed macro-expand.
type macro struct {
	letter  byte // lower case
	escape  bool // upper-case letter: URL-escape the value (§7.3)
	digits  int  // 0 when absent
	reverse bool
	delims  string
}

// parseMacro parses the inside of "%{...}": macro-letter transformers
// *delimiter, transformers = *DIGIT [ "r" ].
func parseMacro(s string, exp bool) (macro, error) {
	var m macro
	if s == "" {
		return m, fmt.Errorf("empty macro %%{}")
	}
	l := s[0]
	if l >= 'A' && l <= 'Z' {
		m.escape = true
		l += 'a' - 'A'
	}
	allowed := macroLetters
	if exp {
		allowed += "crt"
	}
	if !strings.ContainsRune(allowed, rune(l)) {
		if strings.ContainsRune("crt", rune(l)) {
			return m, fmt.Errorf("macro letter %q is only allowed in explanation text (RFC 7208 §7.2)", s[0])
		}
		return m, fmt.Errorf("unknown macro letter %q (RFC 7208 §7.2)", s[0])
	}
	m.letter = l
	i := 1
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i > 1 {
		n, err := strconv.Atoi(s[1:i])
		if err != nil || n == 0 || n > 128 {
			// RFC 7208 §7.3: a DIGIT transformer must be nonzero.
			return m, fmt.Errorf("macro %%{%s}: the label count must be 1-128 (RFC 7208 §7.3)", s)
		}
		m.digits = n
	}
	if i < len(s) && (s[i] == 'r' || s[i] == 'R') {
		m.reverse = true
		i++
	}
	for ; i < len(s); i++ {
		if !strings.ContainsRune(".-+,/_=", rune(s[i])) {
			return m, fmt.Errorf("macro %%{%s}: %q is not a delimiter (RFC 7208 §7.1)", s, s[i])
		}
	}
	m.delims = s[len(s)-countDelims(s):]
	return m, nil
}

func countDelims(s string) int {
	n := 0
	for i := len(s) - 1; i > 0 && strings.ContainsRune(".-+,/_=", rune(s[i])); i-- {
		n++
	}
	return n
}
