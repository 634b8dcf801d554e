package interop

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

const (
	scenarioTmpl = "scenario.zone.tmpl"
	unsignedTmpl = "unsigned.zone.tmpl"
	p256         = "ECDSAP256SHA256"
)

// dnsZones is the zone table of the interop world: a private root, the
// TLD "interop." and one zone per DNS scenario. Each signed zone says
// which independent tool signs it; dane.interop. (the SMTP scenarios) is
// added by smtpZone.
func dnsZones() []zoneSpec {
	child := func(name string, s signer, alg string) zoneSpec {
		return zoneSpec{name: name, parent: "interop.", tmpl: scenarioTmpl, signer: s, alg: alg, lines: bigTLSA()}
	}
	z := []zoneSpec{
		{name: ".", tmpl: "root.zone.tmpl", signer: ldnsSigner, alg: p256, split: true},
		{name: "interop.", parent: ".", tmpl: "tld.zone.tmpl", signer: bindSigner, alg: p256, split: true},
	}
	rsa := child("rsasha256.interop.", bindSigner, "RSASHA256")
	rsa.split = true
	z = append(z,
		rsa,
		child("rsasha512.interop.", ldnsSigner, "RSASHA512"),
		child("p256.interop.", bindSigner, p256),
		child("p384.interop.", ldnsSigner, "ECDSAP384SHA384"),
		child("ed25519.interop.", bindSigner, "ED25519"),
		child("ed448.interop.", ldnsSigner, "ED448"),
		// SHA-1 algorithms: deprecated for signing (RFC 8624 §3.1) but
		// still validated by all three validators here.
		child("rsasha1.interop.", bindSigner, "RSASHA1"),
	)
	// A 512-bit RSA key (RFC 3110 §2 allows 512 to 4096 bits), which
	// Go's crypto/rsa refuses: issue 11 §3, dnssec/rsa.go.
	rsa512 := child("rsa512.interop.", ldnsSigner, "RSASHA256")
	rsa512.bits = 512
	z = append(z, rsa512)
	// Public exponents above Go's crypto/rsa limit of 2^31-1 (RFC 3110 §2
	// allows up to 4096 bits; a registry KSK used one): 2^32+15, and a
	// 64-bit one. Keys made by writeRSAKey, zones signed by ldns-signzone
	// and dnssec-signzone through OpenSSL.
	bigExp := child("rsa-exp33.interop.", bindSigner, "RSASHA256")
	bigExp.exponent = new(big.Int).SetUint64(1<<32 + 15)
	exp64 := child("rsa-exp64.interop.", ldnsSigner, "RSASHA256")
	exp64.exponent = new(big.Int).SetUint64(1<<63 + 25)
	z = append(z, bigExp, exp64)
	// Moduli outside RFC 3110 §2's 512 to 4096 bits (neither keygen
	// makes them).
	small := child("rsa384.interop.", ldnsSigner, "RSASHA1")
	small.bits, small.exponent = 384, big.NewInt(65537)
	huge := child("rsa4160.interop.", ldnsSigner, "RSASHA256")
	huge.bits, huge.exponent = 4160, big.NewInt(65537)
	z = append(z, small, huge)
	n3sha1 := child("nsec3rsasha1.interop.", ldnsSigner, "RSASHA1-NSEC3-SHA1")
	n3sha1.nsec3 = true
	z = append(z, n3sha1)
	n3 := child("nsec3.interop.", ldnsSigner, p256)
	n3.nsec3 = true
	n3b := child("nsec3-bind.interop.", bindSigner, p256)
	n3b.nsec3 = true
	oo := child("optout.interop.", bindSigner, p256)
	oo.nsec3, oo.optOut = true, true
	oo.lines = []string{"unsigned IN NS ns.interop."}
	exp := child("expired.interop.", bindSigner, p256)
	exp.window = windowExpired
	fut := child("future.interop.", ldnsSigner, p256)
	fut.window = windowFuture
	wds := child("wrongds.interop.", bindSigner, p256)
	wds.wrongDS = true
	// NSEC3 with extra iterations and a long salt: more hashing, still
	// below every validator's cap (RFC 9276 §3.2 asks for 0; Unbound and
	// daneprobe cap at 150, BIND 9.18 at 150).
	n3i := child("nsec3-iter.interop.", ldnsSigner, p256)
	n3i.nsec3, n3i.iterations, n3i.salt = true, 10, "00112233445566778899aabbccddeeff"
	// Above every validator's cap: NSEC3 proofs are then insecure.
	n3x := child("nsec3-toomany.interop.", ldnsSigner, p256)
	n3x.nsec3, n3x.iterations = true, 200
	// The only DS has digest type 3 (GOST R 34.11-94), which none of
	// the validators implements: insecure (RFC 4035 §5.2, RFC 6840 §5.2).
	gost := child("gostds.interop.", bindSigner, p256)
	gost.dsDigest = 3
	z = append(z, n3, n3b, n3i, n3x, gost, oo, exp, fut, wds,
		zoneSpec{name: "unsigned.optout.interop.", parent: "optout.interop.", tmpl: unsignedTmpl},
		zoneSpec{name: "insecure.interop.", parent: "interop.", tmpl: unsignedTmpl,
			lines: []string{"_25._tcp.mx IN TLSA 3 1 1 " + zeroDigest}},
	)
	return z
}

// bigTLSA is a TLSA RRset too large for one 1232-byte UDP answer once
// signed: Unbound sets TC, and the validators retry over TCP.
func bigTLSA() []string {
	var l []string
	for i := range 24 {
		l = append(l, fmt.Sprintf("_25._tcp.big IN TLSA 3 1 2 %0128x", i+1))
	}
	return l
}

// zeroDigest is TLSA data that matches nothing.
const zeroDigest = "0000000000000000000000000000000000000000000000000000000000000000"

// dnsCase is one question of the DNS scenario table and the answer every
// validator must agree on.
type dnsCase struct {
	name  string
	qtype uint16
	// want is the status daneprobe must report; rcode the final RCODE.
	want  dnssec.Security
	rcode int
	// reason, when set, is the reason daneprobe must give.
	reason dnssec.Reason
	// ref is what delv and Unbound report when it differs from want, and
	// delv what delv alone reports when it differs from both: expected
	// differences, explained in note.
	ref  *dnssec.Security
	delv *dnssec.Security
	note string
}

// refWant is the status the reference validators must report.
func (c dnsCase) refWant() dnssec.Security {
	if c.ref != nil {
		return *c.ref
	}
	return c.want
}

// delvWant is the status delv must report.
func (c dnsCase) delvWant() dnssec.Security {
	if c.delv != nil {
		return *c.delv
	}
	return c.refWant()
}

// dnsCases lists the questions asked of daneprobe, delv and Unbound.
func dnsCases() []dnsCase {
	var cs []dnsCase
	add := func(name string, qtype uint16, want dnssec.Security, rcode int) {
		cs = append(cs, dnsCase{name: name, qtype: qtype, want: want, rcode: rcode})
	}
	// why sets the reason daneprobe must give for the last row added.
	why := func(r dnssec.Reason) { cs[len(cs)-1].reason = r }
	const (
		ok = dns.RcodeSuccess
		nx = dns.RcodeNameError
	)
	// Every algorithm: a positive answer.
	for _, z := range []string{"rsasha1", "nsec3rsasha1", "rsasha256", "rsasha512", "p256", "p384", "ed25519", "nsec3", "nsec3-bind", "optout"} {
		add("www."+z+".interop.", dns.TypeA, dnssec.Secure, ok)
	}
	add("_25._tcp.mx.nsec3rsasha1.interop.", dns.TypeTLSA, dnssec.Secure, nx)
	// NSEC (p256: dnssec-signzone) and NSEC3 (nsec3: ldns-signzone,
	// nsec3-bind: dnssec-signzone): TLSA NXDOMAIN and NODATA, wildcard
	// expansion and wildcard NODATA, CNAMEs across zones.
	// The denials: TLSA NXDOMAIN and NODATA, wildcard expansion and
	// wildcard NODATA, empty non-terminals, and a TLSA RRset too big for
	// UDP. Asked of every NSEC and NSEC3 flavour: NSEC from both signers
	// (p256, rsasha512), NSEC3 from both (nsec3, nsec3-bind), NSEC3 with
	// iterations and a long salt (nsec3-iter).
	for _, z := range []string{"p256", "rsasha512", "nsec3", "nsec3-bind", "nsec3-iter"} {
		d := "." + z + ".interop."
		add("_25._tcp.nothere"+d, dns.TypeTLSA, dnssec.Secure, nx)
		add("_25._tcp.nodata"+d, dns.TypeTLSA, dnssec.Secure, ok)
		add("host.wild"+d, dns.TypeA, dnssec.Secure, ok)
		add("host.wild"+d, dns.TypeTLSA, dnssec.Secure, ok)
		// An empty non-terminal (_tcp.nodata exists only because
		// _25._tcp.nodata does): NODATA.
		add("_tcp.nodata"+d, dns.TypeA, dnssec.Secure, ok)
		add("_25._tcp.big"+d, dns.TypeTLSA, dnssec.Secure, ok)
	}
	// The rest once per denial kind (NSEC by dnssec-signzone, NSEC3 by
	// ldns-signzone and by dnssec-signzone): more NXDOMAIN and NODATA
	// shapes, a multi-label wildcard match, CNAMEs across zones (into
	// secure, insecure and bogus ones, two hops, a wildcard CNAME), DNAME
	// synthesis, upper-case owner names and RDATA.
	for _, z := range []string{"p256", "nsec3", "nsec3-bind"} {
		d := "." + z + ".interop."
		add("_25._tcp.mx"+d, dns.TypeTLSA, dnssec.Secure, nx)
		add("_25._tcp.host.wild"+d, dns.TypeA, dnssec.Secure, ok)
		add("www"+d, dns.TypeTLSA, dnssec.Secure, ok)
		add("alias-secure"+d, dns.TypeA, dnssec.Secure, ok)
		add("alias-insecure"+d, dns.TypeA, dnssec.Insecure, ok)
		add("alias-bogus"+d, dns.TypeA, dnssec.Bogus, ok)
		add("hop"+d, dns.TypeA, dnssec.Secure, ok)
		add("host.wcname"+d, dns.TypeA, dnssec.Secure, ok)
		add("www.dname"+d, dns.TypeA, dnssec.Secure, ok)
		add("_25._tcp.mx.dname"+d, dns.TypeTLSA, dnssec.Secure, nx)
		add("mixed"+d, dns.TypeA, dnssec.Secure, ok)
		add("MIXED"+strings.ToUpper(d), dns.TypeA, dnssec.Secure, ok)
		add("upper-alias"+d, dns.TypeA, dnssec.Secure, ok)
	}
	// The TLD (dnssec-signzone, NSEC) and the root (ldns-signzone, NSEC).
	add("www.interop.", dns.TypeA, dnssec.Secure, ok)
	add("nothere.interop.", dns.TypeA, dnssec.Secure, nx)
	add("nothere.", dns.TypeA, dnssec.Secure, nx)
	// Insecure delegations: proven by NSEC in the TLD, and by an NSEC3
	// opt-out span in optout.interop.
	add("www.insecure.interop.", dns.TypeA, dnssec.Insecure, ok)
	why(dnssec.ReasonUnsignedDelegation)
	add("_25._tcp.mx.insecure.interop.", dns.TypeTLSA, dnssec.Insecure, ok)
	add("nothere.insecure.interop.", dns.TypeA, dnssec.Insecure, nx)
	add("www.unsigned.optout.interop.", dns.TypeA, dnssec.Insecure, ok)
	why(dnssec.ReasonUnsignedDelegation)
	add("_25._tcp.nodata.optout.interop.", dns.TypeTLSA, dnssec.Secure, ok)
	// NXDOMAIN in an opt-out zone: the NSEC3 covering the next closer
	// name has the opt-out flag, so an unsigned delegation may hide
	// there, and RFC 5155 §9.2 forbids the AD bit on such an answer.
	// daneprobe and Unbound say insecure; BIND's delv (9.18) says
	// "negative response, fully validated".
	sec := dnssec.Secure
	for _, n := range []string{"nothere.optout.interop.", "_25._tcp.mx.optout.interop."} {
		qt := dns.TypeA
		if strings.HasPrefix(n, "_25.") {
			qt = dns.TypeTLSA
		}
		cs = append(cs, dnsCase{name: n, qtype: qt, want: dnssec.Insecure, rcode: nx, delv: &sec,
			note: "NXDOMAIN under an opt-out NSEC3 span: RFC 5155 §9.2 withholds AD (Unbound agrees); delv calls it fully validated"})
	}
	// NSEC3 iterations above the caps (150 for all three here): the
	// positive answer is secure, the denials are insecure.
	add("www.nsec3-toomany.interop.", dns.TypeA, dnssec.Secure, ok)
	add("_25._tcp.nothere.nsec3-toomany.interop.", dns.TypeTLSA, dnssec.Insecure, nx)
	why(dnssec.ReasonNSEC3IterationsTooMany)
	add("_25._tcp.nodata.nsec3-toomany.interop.", dns.TypeTLSA, dnssec.Insecure, ok)
	why(dnssec.ReasonNSEC3IterationsTooMany)
	// A DS set with only an unsupported digest type.
	add("www.gostds.interop.", dns.TypeA, dnssec.Insecure, ok)
	why(dnssec.ReasonUnsupportedDigest)
	add("_25._tcp.mx.gostds.interop.", dns.TypeTLSA, dnssec.Insecure, nx)
	why(dnssec.ReasonUnsupportedDigest)
	// Broken chains: signatures expired or not yet valid, a DS that
	// matches no key.
	for _, z := range []struct {
		name   string
		reason dnssec.Reason
	}{
		{"expired", dnssec.ReasonSignatureExpired},
		{"future", dnssec.ReasonSignatureNotYetValid},
		{"wrongds", dnssec.ReasonDSMismatch},
	} {
		add("www."+z.name+".interop.", dns.TypeA, dnssec.Bogus, ok)
		why(z.reason)
		add("_25._tcp.mx."+z.name+".interop.", dns.TypeTLSA, dnssec.Bogus, nx)
		why(z.reason)
	}
	// Issue 11 §3 edges, asked of all three validators: a zone signed
	// with a 512-bit RSA key (positive answer, NXDOMAIN), and a wildcard
	// RRset asked for by its literal owner *.wild (RRSIG Labels excludes
	// the "*": not an expansion) in NSEC and NSEC3 zones.
	add("www.rsa512.interop.", dns.TypeA, dnssec.Secure, ok)
	add("_25._tcp.mx.rsa512.interop.", dns.TypeTLSA, dnssec.Secure, nx)
	add("www.rsa-exp33.interop.", dns.TypeA, dnssec.Secure, ok)
	add("_25._tcp.mx.rsa-exp33.interop.", dns.TypeTLSA, dnssec.Secure, nx)
	// RSA moduli outside 512..4096 bits (RFC 3110 §2 limits modulus and
	// exponent to 4096 bits "for interoperability"; RFC 5702 §2: "MUST NOT
	// be less than 512 bits and MUST NOT be more than 4096 bits"):
	// daneprobe treats such a key as an unsupported algorithm, Insecure
	// (RFC 4035 §5.2, RFC 6840 §5.2). Unbound (OpenSSL) verifies both;
	// BIND verifies the 384-bit key and refuses the 4160-bit one
	// (bogus: its limit is 4096 bits).
	secure := dnssec.Secure
	for _, q := range []struct {
		zone string
		delv dnssec.Security
		note string
	}{
		{"rsa384", dnssec.Secure, "384-bit RSA key: below RFC 5702 §2's 512 bits, unsupported (Insecure) to daneprobe; Unbound and delv verify it"},
		{"rsa4160", dnssec.Bogus, "4160-bit RSA key: above RFC 3110 §2's 4096 bits, unsupported (Insecure) to daneprobe; Unbound verifies it, delv refuses it"},
	} {
		cs = append(cs, dnsCase{name: "www." + q.zone + ".interop.", qtype: dns.TypeA, want: dnssec.Insecure, rcode: ok,
			reason: dnssec.ReasonUnsupportedKeySize, ref: &secure, delv: &q.delv, note: q.note})
	}
	// A 64-bit exponent: daneprobe and Unbound (OpenSSL) say secure;
	// BIND caps RSA public exponents at 35 bits (RSA_MAX_PUBEXP_BITS in
	// its opensslrsa_link.c: dnssec-dsfromkey calls such a key "out of
	// range"), so delv finds no valid signature. RFC 3110 §2 allows
	// exponents of up to 4096 bits: daneprobe sides with the RFC and
	// Unbound.
	bogus := dnssec.Bogus
	for _, q := range []struct {
		name  string
		qtype uint16
		rcode int
	}{
		{"www.rsa-exp64.interop.", dns.TypeA, ok},
		{"_25._tcp.mx.rsa-exp64.interop.", dns.TypeTLSA, nx},
	} {
		cs = append(cs, dnsCase{name: q.name, qtype: q.qtype, want: dnssec.Secure, rcode: q.rcode, delv: &bogus,
			note: "RSA exponent of 64 bits: RFC 3110 §2 allows up to 4096 (Unbound agrees); BIND refuses exponents over 35 bits"})
	}
	for _, z := range []string{"p256", "nsec3", "nsec3-bind"} {
		add("*.wild."+z+".interop.", dns.TypeA, dnssec.Secure, ok)
		add("*.wild."+z+".interop.", dns.TypeTLSA, dnssec.Secure, ok)
	}
	// ED448 (algorithm 16, RFC 8080): daneprobe validates it with
	// cloudflare/circl, so an ldns-signzone Ed448 zone is secure, as to
	// Unbound and delv.
	cs = append(cs, dnsCase{name: "www.ed448.interop.", qtype: dns.TypeA, want: dnssec.Secure, rcode: ok})
	return cs
}
