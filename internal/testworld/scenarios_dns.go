package testworld

import (
	"fmt"

	"github.com/miekg/dns"
)

// DNSScenario is one entry of the scenario catalogue: a question to ask
// the world and what a correct validator must conclude.
type DNSScenario struct {
	// Name identifies the scenario ("secure-alg13", "nxdomain-nsec3").
	Name string
	// Qname and Qtype are the question.
	Qname string
	Qtype uint16
	// Security is "secure", "insecure", "bogus" or "indeterminate".
	Security string
	// Reason is one of the dnssec.Reason* string values, "" for a plain
	// secure result.
	Reason string
	// Rcode is the rcode of the final answer (dns.RcodeSuccess,
	// dns.RcodeNameError).
	Rcode int
	// Note says in a few words what the scenario exercises.
	Note string
}

// Reason values of package dnssec that the catalogue uses. Package
// testworld cannot import dnssec (its tests import testworld), so they
// are spelled out here; a dnssec test checks that they agree.
const (
	reasonUnsignedDelegation = "unsigned-delegation"
	reasonUnsupportedAlg     = "unsupported-algorithm"
	reasonUnsupportedDigest  = "unsupported-digest"
	reasonIterations         = "nsec3-iterations-too-high"
	reasonExpired            = "signature-expired"
	reasonNotYetValid        = "signature-not-yet-valid"
	reasonDSMismatch         = "ds-mismatch"
	reasonNotSignedByKSK     = "dnskey-not-signed-by-ds-key"
	reasonMissingRRSIG       = "missing-rrsig"
	reasonWildcardProof      = "wildcard-proof-missing"
	reasonResourceLimit      = "resource-limit"
	reasonCNAMEChain         = "cname-chain-too-long"
)

// cnameChainLinks is the length of the built-in overlong CNAME chain:
// above the resolver's cap of 11 links, below the upstream's
// maxCNAMEChain.
const cnameChainLinks = 14

// NSEC3 iterations of the built-in zone that exceeds the validator's cap
// (RFC 9276 §3.2; Unbound's cap, the resolver's default, is 150).
const tooManyIterations = 200

// DNSScenarios returns the scenario catalogue: every question in it is
// answered by the built-in zones of a world started with StartDNS. Each
// call returns a fresh slice.
func DNSScenarios() []DNSScenario {
	const (
		ok    = dns.RcodeSuccess
		nx    = dns.RcodeNameError
		sec   = "secure"
		insec = "insecure"
		bog   = "bogus"
	)
	a, aaaa, txt, tlsa := dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeTLSA
	return []DNSScenario{
		{"secure-alg5", "www.alg5.test.", a, sec, "", ok, "RSASHA1, NSEC"},
		{"secure-alg7", "www.alg7.test.", a, sec, "", ok, "RSASHA1-NSEC3-SHA1, NSEC3"},
		{"secure-alg8", "www.alg8.test.", a, sec, "", ok, "RSASHA256"},
		{"secure-alg10", "www.alg10.test.", a, sec, "", ok, "RSASHA512, 2048-bit keys"},
		{"secure-alg13", "www.alg13.test.", a, sec, "", ok, "ECDSAP256SHA256"},
		{"secure-alg14", "www.alg14.test.", a, sec, "", ok, "ECDSAP384SHA384"},
		{"secure-alg15", "www.alg15.test.", a, sec, "", ok, "ED25519"},
		{"secure-nsec3-zone", "www.nsec3.test.", a, sec, "", ok, "positive answer from an NSEC3 zone with salt"},

		{"insecure-nsec", "www.unsigned.nsec.test.", a, insec, reasonUnsignedDelegation, ok, "no DS, proven by the parent's NSEC"},
		{"insecure-nsec3", "www.unsigned.nsec3.test.", a, insec, reasonUnsignedDelegation, ok, "no DS, proven by the parent's NSEC3"},
		{"insecure-nsec3-optout", "www.unsigned.optout.test.", a, insec, reasonUnsignedDelegation, ok, "no DS, proven by an opt-out NSEC3 covering the delegation"},

		{"nxdomain-nsec", "nope.nsec.test.", a, sec, "", nx, "NSEC covering the name and the wildcard"},
		{"nodata-nsec", "www.nsec.test.", aaaa, sec, "", ok, "NSEC at the name without the type"},
		{"nodata-nsec-tlsa", "_25._tcp.mx.nsec.test.", tlsa, sec, "", ok, "TLSA name with other data only"},
		{"nodata-nsec-ent", "_tcp.mx.nsec.test.", txt, sec, "", ok, "empty non-terminal, NSEC whose next name is below it"},
		{"nxdomain-nsec-tlsa", "_25._tcp.mx2.nsec.test.", tlsa, sec, "", nx, "no TLSA for an MX host"},
		{"nxdomain-nsec3", "nope.nsec3.test.", a, sec, "", nx, "closest encloser proof plus wildcard cover"},
		{"nodata-nsec3", "www.nsec3.test.", aaaa, sec, "", ok, "NSEC3 matching the name"},
		{"nodata-nsec3-tlsa", "_25._tcp.mx.nsec3.test.", tlsa, sec, "", ok, "NSEC3 matching a TLSA name with other data only"},
		{"nodata-nsec3-ent", "_tcp.mx.nsec3.test.", txt, sec, "", ok, "NSEC3 matching an empty non-terminal"},
		{"nxdomain-nsec3-tlsa", "_25._tcp.mx2.nsec3.test.", tlsa, sec, "", nx, "no TLSA for an MX host, NSEC3"},

		{"wildcard-nsec", "host.wild.nsec.test.", a, sec, "", ok, "wildcard expansion with the NSEC covering the name"},
		{"wildcard-nsec3", "host.wild.nsec3.test.", a, sec, "", ok, "wildcard expansion with the NSEC3 covering the next closer name"},
		{"wildcard-nodata-nsec", "host.wild.nsec.test.", aaaa, sec, "", ok, "wildcard NODATA, NSEC"},
		{"wildcard-nodata-nsec3", "host.wild.nsec3.test.", aaaa, sec, "", ok, "wildcard NODATA, NSEC3"},
		{"wildcard-proof-missing", "host.wild.wildnoproof.test.", a, bog, reasonWildcardProof, ok, "wildcard expansion served without the NSEC"},

		{"cname-signed", "alias.nsec.test.", a, sec, "", ok, "CNAME into another signed zone"},
		{"cname-unsigned", "alias-unsigned.nsec.test.", a, insec, reasonUnsignedDelegation, ok, "CNAME into an unsigned zone"},
		{"cname-nxdomain", "alias-nx.nsec.test.", a, sec, "", nx, "CNAME to a name that does not exist in another zone"},
		{"cname-wildcard", "host.wc.nsec3.test.", a, sec, "", ok, "CNAME synthesised from a wildcard in an NSEC3 zone, into another zone"},
		{"cname-chain-too-long", "l1.chain.test.", a, bog, reasonCNAMEChain, ok, "14 signed CNAME links, above the cap of 11"},

		{"expired-sigs", "www.expired.test.", a, bog, reasonExpired, ok, "every RRSIG expired two days ago"},
		{"future-sigs", "www.notyet.test.", a, bog, reasonNotYetValid, ok, "every RRSIG valid from two days on"},
		{"ds-mismatch", "www.dsmismatch.test.", a, bog, reasonDSMismatch, ok, "parent DS digest matches no DNSKEY"},
		{"dnskey-not-signed-by-ksk", "www.zskonly.test.", a, bog, reasonNotSignedByKSK, ok, "DNSKEY RRset signed by the ZSK only"},
		{"missing-rrsig", "www.nosig.test.", a, bog, reasonMissingRRSIG, ok, "signed zone (DS at the parent) serving no RRSIGs"},
		{"unsupported-algorithm", "www.unsupported.test.", a, insec, reasonUnsupportedAlg, ok, "DS and keys of algorithm 12 (ECC-GOST) only"},
		{"nsec3-iterations-too-high", "nope.iterations.test.", a, insec, reasonIterations, nx, "NSEC3 with 200 iterations"},
		{"ds-sha1", "www.ds-sha1.test.", a, sec, "", ok, "the parent's DS uses SHA-1 only"},
		{"ds-sha384", "www.ds-sha384.test.", a, sec, "", ok, "the parent's DS uses SHA-384 only"},
		{"unsupported-digest", "www.ds-unknown.test.", a, insec, reasonUnsupportedDigest, ok, "the parent's DS uses digest type 3 (GOST R 34.11-94) only"},
		{"keytrap", "www.keytrap.test.", a, bog, reasonResourceLimit, ok, "32 DNSKEYs sharing the ZSK's tag, 40 bogus RRSIGs per RRset"},

		{"bench-tlsa", "_25._tcp.mx.bench.test.", tlsa, sec, "", ok, "TLSA three labels below a TLD zone cut, for the latency benchmark"},
	}
}

// builtinZones returns the zones of the built-in hierarchy: the root, the
// TLD "test." and the scenario zones below it.
func builtinZones() []ZoneSpec {
	const (
		tlsaDigest = "8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d"
	)
	host := func(zone string) []string {
		return []string{
			"www." + zone + " 300 IN A 192.0.2.1",
			"mx." + zone + " 300 IN A 192.0.2.25",
			zone + " 300 IN MX 10 mx." + zone,
		}
	}
	nsec3 := func(iter uint16, salt string, optOut bool) *NSEC3Params {
		return &NSEC3Params{Iterations: iter, Salt: salt, OptOut: optOut}
	}
	negative := func(zone string) []string {
		return append(host(zone),
			"_25._tcp.mx."+zone+" 300 IN TXT \"a TLSA name without TLSA records\"",
			"_443._tcp.mx."+zone+" 300 IN TLSA 3 1 1 "+tlsaDigest,
			"mx2."+zone+" 300 IN A 192.0.2.26",
			"*.wild."+zone+" 300 IN A 192.0.2.53",
			"unsigned."+zone+" 3600 IN NS ns1.unsigned."+zone,
		)
	}
	chain := func() []string {
		var rrs []string
		for i := 1; i < cnameChainLinks; i++ {
			rrs = append(rrs, fmt.Sprintf("l%d.chain.test. 300 IN CNAME l%d.chain.test.", i, i+1))
		}
		return append(rrs, fmt.Sprintf("l%d.chain.test. 300 IN CNAME www.alg13.test.", cnameChainLinks))
	}
	return []ZoneSpec{
		{Origin: "."},
		{Origin: "test."},
		{Origin: "alg5.test.", Algorithm: dns.RSASHA1, Records: host("alg5.test.")},
		{Origin: "alg7.test.", Algorithm: dns.RSASHA1NSEC3SHA1, NSEC3: nsec3(0, "", false), Records: host("alg7.test.")},
		{Origin: "alg8.test.", Algorithm: dns.RSASHA256, Records: host("alg8.test.")},
		{Origin: "alg10.test.", Algorithm: dns.RSASHA512, Records: host("alg10.test.")},
		{Origin: "alg13.test.", Algorithm: dns.ECDSAP256SHA256, Records: host("alg13.test.")},
		{Origin: "alg14.test.", Algorithm: dns.ECDSAP384SHA384, Records: host("alg14.test.")},
		{Origin: "alg15.test.", Algorithm: dns.ED25519, Records: host("alg15.test.")},

		{Origin: "nsec.test.", Records: append(negative("nsec.test."),
			"alias.nsec.test. 300 IN CNAME www.alg13.test.",
			"alias-unsigned.nsec.test. 300 IN CNAME www.unsigned.nsec.test.",
			"alias-nx.nsec.test. 300 IN CNAME nope.alg13.test.",
		)},
		{Origin: "unsigned.nsec.test.", Unsigned: true, Records: host("unsigned.nsec.test.")},
		{Origin: "nsec3.test.", NSEC3: nsec3(5, "cafe0123", false), Records: append(negative("nsec3.test."),
			"*.wc.nsec3.test. 300 IN CNAME www.alg8.test.",
		)},
		{Origin: "chain.test.", Records: chain()},
		{Origin: "unsigned.nsec3.test.", Unsigned: true, Records: host("unsigned.nsec3.test.")},
		{Origin: "optout.test.", NSEC3: nsec3(0, "", true), Records: append(host("optout.test."),
			"unsigned.optout.test. 3600 IN NS ns1.unsigned.optout.test.",
			"other.optout.test. 3600 IN NS ns1.other.optout.test.",
		)},
		{Origin: "unsigned.optout.test.", Unsigned: true, Records: host("unsigned.optout.test.")},
		{Origin: "other.optout.test.", Unsigned: true, Records: host("other.optout.test.")},
		{Origin: "wildnoproof.test.", Faults: ZoneFaults{MissingWildcardProof: true}, Records: append(host("wildnoproof.test."),
			"*.wild.wildnoproof.test. 300 IN A 192.0.2.53",
		)},

		{Origin: "expired.test.", Faults: ZoneFaults{ExpiredSigs: true}, Records: host("expired.test.")},
		{Origin: "notyet.test.", Faults: ZoneFaults{FutureSigs: true}, Records: host("notyet.test.")},
		{Origin: "dsmismatch.test.", Faults: ZoneFaults{WrongDS: true}, Records: host("dsmismatch.test.")},
		{Origin: "zskonly.test.", Faults: ZoneFaults{DNSKEYNotSignedByKSK: true}, Records: host("zskonly.test.")},
		{Origin: "nosig.test.", Faults: ZoneFaults{StripRRSIG: true}, Records: host("nosig.test.")},
		{Origin: "unsupported.test.", Faults: ZoneFaults{UnsupportedAlgorithm: true}, Records: host("unsupported.test.")},
		{Origin: "iterations.test.", NSEC3: nsec3(tooManyIterations, "ab", false), Records: host("iterations.test.")},
		{Origin: "keytrap.test.", Faults: ZoneFaults{KeyTrap: true}, Records: host("keytrap.test.")},
		{Origin: "ds-sha1.test.", DSDigests: []uint8{dns.SHA1}, Records: host("ds-sha1.test.")},
		{Origin: "ds-sha384.test.", DSDigests: []uint8{dns.SHA384}, Records: host("ds-sha384.test.")},
		{Origin: "ds-unknown.test.", DSDigests: []uint8{dns.GOST94}, Records: host("ds-unknown.test.")},

		{Origin: "bench.test.", Records: append(host("bench.test."),
			"_25._tcp.mx.bench.test. 300 IN TLSA 3 1 1 "+tlsaDigest,
		)},
	}
}
