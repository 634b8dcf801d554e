package tlsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"slices"
	"time"
)

// Path building for DANE-TA (RFC 7671 §5.2, RFC 7672 §3.1.2). The path is
// built here from the certificates the server presented, never from system
// roots: the trust anchor is whatever the TLSA record names.

const (
	// maxPathDepth bounds the length of a path from the leaf.
	maxPathDepth = 10
	// maxVisits bounds the work of the path search per record, so that a
	// hostile chain of many certificates with equal names cannot make the
	// search explode.
	maxVisits = 256
)

// edge is the cached result of checking that chain[child] is signed by
// chain[parent].
type edge struct {
	ok       bool  // names chain and the signature verifies
	insecure bool  // ...but with SHA-1 or MD5
	err      error // why not ok (nil if the names do not chain)
}

// isInsecureAlg reports signature algorithms Go's crypto/x509 refuses in
// chains: MD5 and SHA-1 (collision attacks make them forgeable).
func isInsecureAlg(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

// checkSig verifies child's signature with key, accepting SHA-1 so that
// an insecure but genuine signature can be told apart from a wrong one.
func checkSig(child *x509.Certificate, key crypto.PublicKey) error {
	holder := &x509.Certificate{PublicKey: key}
	return holder.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
}

func (v *verifier) edge(child, parent int) edge {
	k := [2]int{child, parent}
	if e, ok := v.edges[k]; ok {
		return e
	}
	if v.edges == nil {
		v.edges = make(map[[2]int]edge)
	}
	c, p := v.chain[child], v.chain[parent]
	var e edge
	switch {
	case !bytes.Equal(c.RawIssuer, p.RawSubject):
		// RFC 5280 §6.1: the issuer name must equal the parent's subject.
	case isInsecureAlg(c.SignatureAlgorithm):
		if err := checkSig(c, p.PublicKey); err != nil {
			e.err = err
		} else {
			e.ok, e.insecure = true, true
		}
	default:
		if err := checkSig(c, p.PublicKey); err != nil {
			e.err = err
		} else {
			e.ok = true
		}
	}
	v.edges[k] = e
	return e
}

// candidate is a path from the leaf to a trust anchor.
type candidate struct {
	path    []int // presented positions, leaf first; the last is the TA unless keyOnly
	keyOnly bool  // the TA is the record's bare key, above the last certificate
}

// evalTA applies a DANE-TA record.
func (v *verifier) evalTA(rr *RecordResult) {
	r := rr.Record
	tas := v.matches(r)
	var bareKey crypto.PublicKey
	if r.Selector == SPKI && r.MatchingType == Full {
		// RFC 7672 §3.1.2: a "2 1 0" record carries the whole key, so the
		// server need not send the trust anchor's certificate.
		if k, err := x509.ParsePKIXPublicKey(r.Data); err == nil {
			bareKey = k
		}
	}

	if len(tas) == 0 && bareKey == nil {
		// Nothing to build a path to.
		rr.Failures = []Failure{v.noPath(r, nil, false, nil)}
		return
	}
	var cands []candidate
	var edgeErrs []string
	deadEnd, deadLen := "", 0 // the longest path that found no issuer
	visits := 0
	var walk func(path []int)
	walk = func(path []int) {
		visits++
		node := path[len(path)-1]
		if slices.Contains(tas, node) {
			cands = append(cands, candidate{path: slices.Clone(path)})
			return // a path may stop at its trust anchor
		}
		if bareKey != nil {
			if c := v.chain[node]; checkSig(c, bareKey) == nil {
				cands = append(cands, candidate{path: slices.Clone(path), keyOnly: true})
				return
			}
		}
		if len(path) >= maxPathDepth {
			return
		}
		parents := 0
		for p := range v.chain {
			if visits >= maxVisits {
				return
			}
			if slices.Contains(path, p) {
				continue
			}
			e := v.edge(node, p)
			if !e.ok {
				if e.err != nil {
					edgeErrs = append(edgeErrs, fmt.Sprintf("the certificate at position %d (%s) is not validly signed by the one at position %d: %v",
						node, subjectOf(v.chain[node]), p, e.err))
				}
				continue
			}
			parents++
			walk(append(path, p))
		}
		if parents == 0 && len(path) > deadLen {
			c := v.chain[node]
			if !bytes.Equal(c.RawIssuer, c.RawSubject) {
				deadEnd, deadLen = fmt.Sprintf("the certificate at position %d (%s) was issued by %q, which is not among the presented certificates",
					node, subjectOf(c), c.Issuer.String()), len(path)
			}
		}
	}
	walk([]int{0})

	if len(cands) == 0 {
		if len(edgeErrs) == 0 && deadEnd != "" {
			edgeErrs = append(edgeErrs, deadEnd)
		}
		rr.Failures = []Failure{v.noPath(r, tas, bareKey != nil, edgeErrs)}
		return
	}
	// Prefer a candidate that passes every check; otherwise report the one
	// with the fewest failures, the first found (depth first, in presented
	// order) on a tie.
	best := -1
	var bestFails []Failure
	for i, c := range cands {
		fails := v.checkPath(c)
		if best < 0 || len(fails) < len(bestFails) {
			best, bestFails = i, fails
		}
		if len(fails) == 0 {
			break
		}
	}
	c := cands[best]
	rr.Path = c.path
	rr.KeyOnly = c.keyOnly
	if c.keyOnly {
		rr.Depth, rr.Position = len(c.path), -1
	} else {
		rr.Depth, rr.Position = len(c.path)-1, c.path[len(c.path)-1]
	}
	rr.Failures = bestFails
}

// noPath explains why no path to a trust anchor exists.
func (v *verifier) noPath(r Record, tas []int, hasKey bool, edgeErrs []string) Failure {
	if len(tas) == 0 {
		d := fmt.Sprintf("none of the %d presented certificates matches the record's %s %s", len(v.chain), r.Selector, r.MatchingType)
		if hasKey {
			d += ", and none is signed by the public key it holds"
		} else if r.Selector == SPKI && r.MatchingType == Full {
			d += ", and its data is not a public key that could stand in for an absent certificate"
		}
		d += ": the server must send the trust anchor's certificate (RFC 7672 §3.1.2)"
		return Failure{Code: CodeTANotInChain, Detail: d, Depth: -1}
	}
	f := Failure{Code: CodeChainInvalid, Depth: -1, Detail: fmt.Sprintf(
		"the trust anchor is presented at position %d (%s), but no chain of valid signatures leads to it from the leaf", tas[0], subjectOf(v.chain[tas[0]]))}
	if len(edgeErrs) > 0 {
		f.Cause = edgeErrs[0]
	} else {
		f.Cause = "no certificate path leads from the leaf to it"
	}
	return f
}

// checkPath validates a candidate path, returning every failure found.
func (v *verifier) checkPath(c candidate) []Failure {
	var fails []Failure
	for i, pos := range c.path {
		cert := v.chain[pos]
		// RFC 7671 §5.2, RFC 7672 §3.1.2: with DANE-TA, the certificates
		// from the leaf up to the trust anchor are validated as in PKIX,
		// validity periods included.
		if v.now.After(cert.NotAfter) {
			fails = append(fails, Failure{Code: CodeExpired, Depth: i, Detail: fmt.Sprintf(
				"the certificate at depth %d (%s) expired on %s", i, subjectOf(cert), cert.NotAfter.UTC().Format(time.RFC3339))})
		}
		if v.now.Before(cert.NotBefore) {
			fails = append(fails, Failure{Code: CodeNotYetValid, Depth: i, Detail: fmt.Sprintf(
				"the certificate at depth %d (%s) is not valid before %s", i, subjectOf(cert), cert.NotBefore.UTC().Format(time.RFC3339))})
		}
		if len(cert.UnhandledCriticalExtensions) > 0 {
			fails = append(fails, Failure{Code: CodeChainInvalid, Depth: i, Detail: fmt.Sprintf(
				"the certificate at depth %d (%s) has an unhandled critical extension %v (RFC 5280 §4.2)", i, subjectOf(cert), cert.UnhandledCriticalExtensions[0])})
		}
		if i > 0 {
			fails = append(fails, issuerConstraints(cert, i)...)
		}
		if i+1 < len(c.path) {
			if e := v.edge(pos, c.path[i+1]); e.insecure {
				fails = append(fails, insecureFailure(cert, i))
			}
		} else if c.keyOnly && isInsecureAlg(cert.SignatureAlgorithm) {
			fails = append(fails, insecureFailure(cert, i))
		}
	}
	if !v.opts.IgnoreNames {
		// RFC 7672 §3.2.2: with DANE-TA the leaf must carry a reference
		// identifier.
		leaf := v.chain[0]
		if ok, seen := matchNames(leaf, v.opts.Names); !ok {
			d := fmt.Sprintf("the leaf's names %v include none of the reference identifiers %v (RFC 7672 §3.2.2)", seen, v.opts.Names)
			if len(v.opts.Names) == 0 {
				d = fmt.Sprintf("no reference identifier was given to check the leaf's names %v against", seen)
			}
			fails = append(fails, Failure{Code: CodeNameMismatch, Depth: 0, Detail: d,
				NamesSeen: seen, NamesExpected: v.opts.Names})
		}
	}
	slices.SortStableFunc(fails, func(a, b Failure) int { return a.Code.rank() - b.Code.rank() })
	return fails
}

// issuerConstraints checks that a certificate at path depth i >= 1 may
// issue certificates (RFC 5280 §4.2.1.9 basic constraints, §4.2.1.3 key
// usage): the same rules x509.Certificate.CheckSignatureFrom applies,
// spelled out so that the reason can be reported, plus the path length.
func issuerConstraints(c *x509.Certificate, i int) []Failure {
	var fails []Failure
	bad := func(why string) {
		fails = append(fails, Failure{Code: CodeChainInvalid, Depth: i, Detail: fmt.Sprintf(
			"the certificate at depth %d (%s) issues the one below it but %s", i, subjectOf(c), why),
			Cause: x509.ConstraintViolationError{}.Error()})
	}
	if (c.Version == 3 && !c.BasicConstraintsValid) || (c.BasicConstraintsValid && !c.IsCA) {
		bad("is not a CA certificate (basic constraints)")
	}
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		bad("its key usage does not allow certificate signing")
	}
	if c.BasicConstraintsValid && (c.MaxPathLen > 0 || c.MaxPathLenZero) && i-1 > c.MaxPathLen {
		bad(fmt.Sprintf("its path length constraint %d allows fewer than the %d intermediate CA certificates below it", c.MaxPathLen, i-1))
	}
	return fails
}

func insecureFailure(c *x509.Certificate, i int) Failure {
	err := x509.InsecureAlgorithmError(c.SignatureAlgorithm)
	return Failure{Code: CodeInsecureSignature, Depth: i, Cause: err.Error(), Detail: fmt.Sprintf(
		"the certificate at depth %d (%s) is signed with %s; the signature is genuine, but SHA-1 and MD5 signatures can be forged "+
			"(chosen-prefix collisions), so Go's crypto/x509 and current validators refuse them: reissue it with SHA-256",
		i, subjectOf(c), c.SignatureAlgorithm)}
}
