package mailauth

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// maxExpansion bounds one expanded domain-spec before RFC 7208 §7.3's
// truncation to 253 octets: a record full of %{s} macros with a long
// sender cannot make us build megabytes.
const maxExpansion = 4096

// macroEnv holds the values of the macro letters (RFC 7208 §7.2).
type macroEnv struct {
	// known is false when no IP and sender are given: macros that need
	// them make the term depend on the sender.
	known  bool
	sender string // full sender (s)
	local  string // l
	sdom   string // o
	ip     netip.Addr
	helo   string
}

// expandDomain expands a domain-spec for the current domain d (RFC 7208
// §7.3). depends reports that the spec needs the sender or IP and env
// does not know them; the returned name is then empty.
func expandDomain(spec, d string, env *macroEnv) (name string, depends bool, err error) {
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		switch spec[i] {
		case '%':
			b.WriteByte('%')
			continue
		case '_':
			b.WriteByte(' ')
			continue
		case '-':
			b.WriteString("%20")
			continue
		}
		end := strings.IndexByte(spec[i:], '}')
		m, err := parseMacro(spec[i+1:i+end], false)
		if err != nil {
			return "", false, err
		}
		i += end
		var v string
		switch m.letter {
		case 'd':
			v = d
		case 's', 'l', 'o', 'i', 'p', 'v', 'h':
			if !env.known {
				return "", true, nil
			}
			v = env.value(m.letter)
		}
		b.WriteString(m.apply(v))
		if b.Len() > maxExpansion {
			return "", false, fmt.Errorf("the domain-spec %q expands to more than %d octets", short(spec), maxExpansion)
		}
	}
	name = strings.TrimSuffix(b.String(), ".")
	// RFC 7208 §7.3: when the expanded domain-spec is longer than 253
	// octets, left-hand labels are removed until it fits.
	for len(name) > 253 {
		k := strings.IndexByte(name, '.')
		if k < 0 {
			name = ""
			break
		}
		name = name[k+1:]
	}
	return name, false, nil
}

func (e *macroEnv) value(l byte) string {
	switch l {
	case 's':
		return e.sender
	case 'l':
		return e.local
	case 'o':
		return e.sdom
	case 'i':
		if e.ip.Is4() {
			return e.ip.String()
		}
		// RFC 7208 §7.3: an IPv6 address is written as dot-separated
		// nibbles.
		var b strings.Builder
		for i, x := range e.ip.As16() {
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprintf(&b, "%x.%x", x>>4, x&0xf)
		}
		return b.String()
	case 'p':
		// RFC 7208 §7.3 discourages %{p}; we do not spend lookups on it
		// and use "unknown", the value for no validated name.
		return "unknown"
	case 'v':
		if e.ip.Is4() {
			return "in-addr"
		}
		return "ip6"
	case 'h':
		return e.helo
	}
	return ""
}

// apply splits v on the delimiters (default "."), reverses, keeps the
// right-most digits parts and joins them with "." (RFC 7208 §7.3).
func (m macro) apply(v string) string {
	delims := m.delims
	if delims == "" {
		delims = "."
	}
	if m.digits > 0 || m.reverse || m.delims != "" {
		parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(delims, r) })
		if m.reverse {
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
		}
		if m.digits > 0 && m.digits < len(parts) {
			parts = parts[len(parts)-m.digits:]
		}
		v = strings.Join(parts, ".")
	}
	if m.escape {
		v = url.PathEscape(v)
	}
	return v
}
