package testworld

import (
	"bytes"
	"strings"

	"github.com/miekg/dns"
)

// canonicalLabels returns the labels of a domain name as lower-case raw
// octets (escapes such as "\." and "\065" decoded), from the leftmost label
// to the rightmost. It returns nil for the root and for names that do not
// pack.
func canonicalLabels(name string) [][]byte {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.CanonicalName(name), buf, 0, nil, false)
	if err != nil {
		return nil
	}
	var labels [][]byte
	for i := 0; i < n; {
		l := int(buf[i])
		if l == 0 {
			break
		}
		label := bytes.ToLower(buf[i+1 : i+1+l])
		labels = append(labels, label)
		i += 1 + l
	}
	return labels
}

// canonicalKey maps a domain name to a byte string whose plain byte
// order is the canonical DNS name order of RFC 4034 §6.1: names compare
// label by label from the rightmost label, each label as a string of
// lower-case octets, and a name that runs out of labels first sorts first.
// Each label is written right to left as (0x01, octet) pairs followed by a
// 0x00 terminator, so a shorter label sorts before a longer one it
// prefixes and octet values compare unsigned.
func canonicalKey(name string) string {
	labels := canonicalLabels(name)
	var b []byte
	for i := len(labels) - 1; i >= 0; i-- {
		for _, c := range labels[i] {
			b = append(b, 1, c)
		}
		b = append(b, 0)
	}
	return string(b)
}

// canonicalCompare orders two domain names in RFC 4034 §6.1 canonical
// order, returning -1, 0 or +1.
func canonicalCompare(a, b string) int {
	return strings.Compare(canonicalKey(a), canonicalKey(b))
}
