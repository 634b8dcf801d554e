package tlsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// MaxRecords bounds the records ParseRecordArgs and ParseRecordList accept;
// a real TLSA RRset holds a handful.
const MaxRecords = 1000

// ErrNoCertificate is returned by ParseChain for input that holds no
// certificate, and by ParseNext for input that holds neither a certificate
// nor a key.
var ErrNoCertificate = errors.New("no certificate")

// ParseChain reads a certificate chain as servers are configured with it:
// PEM "CERTIFICATE" blocks, leaf first (other blocks, such as the private
// key of a combined file, are skipped), or one certificate in DER. It
// returns ErrNoCertificate when there is none, and an error naming the
// block for a certificate that does not parse.
func ParseChain(b []byte) ([]*x509.Certificate, error) {
	certs, _, err := decodePEM(b)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		if c, err := x509.ParseCertificate(b); err == nil {
			return []*x509.Certificate{c}, nil
		}
		return nil, fmt.Errorf("%w (want PEM \"CERTIFICATE\" blocks, leaf first)", ErrNoCertificate)
	}
	return certs, nil
}

// ParseNext reads the certificate or key that is to replace the current
// one (for AdviseRollover and NextRecords): PEM with a certificate chain,
// a "PUBLIC KEY", or a private key ("PRIVATE KEY" in PKCS #8, "EC PRIVATE
// KEY", "RSA PRIVATE KEY"), of which only the public half is kept. It
// returns ErrNoCertificate when the input holds none of these.
func ParseNext(b []byte) (*Next, error) {
	certs, spki, err := decodePEM(b)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 && spki == nil {
		return nil, fmt.Errorf("%w, public key or private key", ErrNoCertificate)
	}
	return &Next{Chain: certs, SPKI: spki}, nil
}

// decodePEM returns the certificates and the first public key found.
func decodePEM(b []byte) ([]*x509.Certificate, []byte, error) {
	var certs []*x509.Certificate
	var spki []byte
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return certs, spki, nil
		}
		switch blk.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
			}
			certs = append(certs, c)
		case "PUBLIC KEY":
			if _, err := x509.ParsePKIXPublicKey(blk.Bytes); err != nil {
				return nil, nil, fmt.Errorf("public key: %w", err)
			}
			if spki == nil {
				spki = blk.Bytes
			}
		case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY":
			pub, err := publicOf(blk)
			if err != nil {
				return nil, nil, err
			}
			if spki == nil {
				if spki, err = x509.MarshalPKIXPublicKey(pub); err != nil {
					return nil, nil, fmt.Errorf("private key: %w", err)
				}
			}
		}
	}
}

func publicOf(blk *pem.Block) (crypto.PublicKey, error) {
	var key any
	var err error
	switch blk.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("private key: unsupported key type")
	}
	return s.Public(), nil
}

// NextRecords returns the records the next certificate or key needs,
// to publish before it is deployed (RFC 7671 §8.1): the Recommended set of
// its chain, or "3 1 1" of its key when there is no certificate yet.
func NextRecords(next *Next) ([]Record, error) {
	switch {
	case next == nil:
		return nil, errors.New("next TLSA records: no certificate or key")
	case len(next.Chain) > 0:
		return Recommended(next.Chain)
	}
	r, err := GenerateKey(next.SPKI, DANEEE, SHA256)
	if err != nil {
		return nil, err
	}
	return []Record{r}, nil
}

// DefaultDepth is the chain position whose certificate a record of usage
// u is made from when none is chosen: the issuer (1) for the trust-anchor
// usages PKIX-TA (0) and DANE-TA (2), the leaf (0) otherwise (RFC 6698
// §2.1.1, RFC 7672 §3.1).
func DefaultDepth(u Usage) int {
	if u == PKIXTA || u == DANETA {
		return 1
	}
	return 0
}

// GenerateAt computes the record of the given parameters for the
// certificate at position depth of chain (leaf first); a negative depth
// means DefaultDepth(u). It returns the depth used, and an error when the
// chain has no certificate there.
func GenerateAt(chain []*x509.Certificate, depth int, u Usage, s Selector, m MatchingType) (Record, int, error) {
	if depth < 0 {
		depth = DefaultDepth(u)
	}
	if depth >= len(chain) {
		what := ""
		if depth > 0 {
			what = fmt.Sprintf(" (for usage %d the issuer must be in the chain)", u)
		}
		return Record{}, depth, fmt.Errorf("the chain has %d certificate(s), none at position %d%s", len(chain), depth, what)
	}
	r, err := Generate(chain[depth], u, s, m)
	return r, depth, err
}

// OwnerHost returns the MX host name a leaf certificate is for, to name
// the TLSA owner when none is given: its first DNS name that is not a
// wildcard, else its subject common name, else "".
func OwnerHost(leaf *x509.Certificate) string {
	if leaf == nil {
		return ""
	}
	for _, n := range leaf.DNSNames {
		if !strings.Contains(n, "*") {
			return n
		}
	}
	if cn := leaf.Subject.CommonName; cn != "" && !strings.ContainsAny(cn, "* ") {
		return cn
	}
	return ""
}

// ParseRecordArgs reads records given as separate words, as a shell passes
// them: a word holding white space is one whole record ("3 1 1 ab12..."),
// other words are taken four at a time (3 1 1 ab12...). Errors wrap
// ErrSyntax.
func ParseRecordArgs(args []string) ([]Record, error) {
	var out []Record
	for i := 0; i < len(args); {
		text := args[i]
		n := 1
		if len(strings.Fields(text)) == 1 {
			if i+4 > len(args) {
				return nil, fmt.Errorf("%w: %q: want four fields \"usage selector matching-type hex\"", ErrSyntax, clip(strings.Join(args[i:], " ")))
			}
			text, n = strings.Join(args[i:i+4], " "), 4
		}
		r, err := ParseRecord(text)
		if err != nil {
			return nil, err
		}
		if len(out) >= MaxRecords {
			return nil, fmt.Errorf("more than %d records", MaxRecords)
		}
		out = append(out, r)
		i += n
	}
	return out, nil
}

// ParseRecordList reads one record per line, in any of the forms people
// copy records in: the RDATA ("3 1 1 ab12..."), a zone-file line
// ("_25._tcp.mx.example.org. 300 IN TLSA 3 1 1 ab12...") or a line of dig
// output. Blank lines and comments (";" anywhere, "#" at the start) are
// skipped. An error names the line ("line 3: ...") and wraps ErrSyntax for
// a malformed record.
func ParseRecordList(b []byte) ([]Record, error) {
	var out []Record
	for n, line := range bytes.Split(b, []byte("\n")) {
		r, ok, err := parseListLine(string(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		if !ok {
			continue
		}
		if len(out) >= MaxRecords {
			return nil, fmt.Errorf("line %d: more than %d records", n+1, MaxRecords)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseListLine(line string) (Record, bool, error) {
	line, _, _ = strings.Cut(line, ";")
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return Record{}, false, nil
	}
	if !hasTypeField(line) {
		r, err := ParseRecord(line)
		return r, err == nil, err
	}
	rr, err := dns.NewRR(line)
	if err != nil {
		return Record{}, false, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	t, ok := rr.(*dns.TLSA)
	if !ok {
		return Record{}, false, fmt.Errorf("%w: not a TLSA record", ErrSyntax)
	}
	if t.Certificate == "" {
		// miekg/dns reads "owner TLSA" with nothing after it as an empty
		// record (the form of a dynamic update); a record needs data.
		return Record{}, false, fmt.Errorf("%w: no certificate association data", ErrSyntax)
	}
	return FromDNS([]*dns.TLSA{t})[0], true, nil
}

func hasTypeField(line string) bool {
	for _, f := range strings.Fields(line) {
		if strings.EqualFold(f, "TLSA") {
			return true
		}
	}
	return false
}
