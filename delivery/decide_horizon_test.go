package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/dnssec"
)

var horizonAt = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// sigHorizon is an RRSIG over owner/typ by signer valid for the period
// and expiring left after horizonAt.
func sigHorizon(owner, typ, signer string, period, left time.Duration) SignatureHorizon {
	exp := horizonAt.Add(left)
	return SignatureHorizon{Horizon: dnssec.Horizon{Owner: owner, Type: typ, Signer: signer, KeyTag: 1, Algorithm: 13,
		Inception: exp.Add(-period), Expiration: exp}}
}

func TestSignatureLevel(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name         string
		period, left time.Duration
		warn         time.Duration
		want         Level
		why          string
	}{
		{"fresh 30-day signature", 30 * day, 25 * day, DefaultSigWarn, LevelOK, ""},
		{"30-day signature with 20% left exactly", 30 * day, 6 * day, DefaultSigWarn, LevelOK, ""},
		{"30-day signature with 5 days left: the 20% rule fires first", 30 * day, 5 * day, DefaultSigWarn, LevelWarning, "16% of its 30 days validity period left, under 20%"},
		{"7-day signature with 1.5 days left: 21% but under 2 days", 7 * day, 36 * time.Hour, DefaultSigWarn, LevelWarning, "less than the 2 days of --sig-warn left"},
		{"30-day signature with 1.5 days left: both rules, both said", 30 * day, 36 * time.Hour, DefaultSigWarn, LevelWarning, "less than the 2 days of --sig-warn left; 5% of its 30 days validity period left"},
		{"7-day signature with 2.5 days left", 7 * day, 60 * time.Hour, DefaultSigWarn, LevelOK, ""},
		{"--sig-warn 4 days", 7 * day, 3 * day, 4 * day, LevelWarning, "--sig-warn"},
		{"12 hours left: critical", 30 * day, 12 * time.Hour, DefaultSigWarn, LevelCritical, "less than 1 day left"},
		{"critical even with a short --sig-warn", 30 * day, 12 * time.Hour, time.Hour, LevelCritical, "less than 1 day"},
		{"expired", 30 * day, -time.Minute, DefaultSigWarn, LevelExpired, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sigHorizon("mx.example.", "TLSA", "example.", tc.period, tc.left)
			lv, why := signatureLevel(h.Horizon, horizonAt, tc.warn)
			if lv != tc.want || !strings.Contains(why, tc.why) || (tc.why == "") != (why == "") {
				t.Errorf("level %s (%q), want %s (%q)", lv, why, tc.want, tc.why)
			}
		})
	}
}

func TestCertificateLevel(t *testing.T) {
	day := 24 * time.Hour
	p := HorizonPolicy{}
	custom := HorizonPolicy{CertWarn: 30 * day, CertCrit: 7 * day}
	for _, tc := range []struct {
		left time.Duration
		p    HorizonPolicy
		want Level
	}{
		{20 * day, p, LevelOK}, {13 * day, p, LevelWarning}, {2 * day, p, LevelCritical}, {-day, p, LevelExpired},
		{20 * day, custom, LevelWarning}, {6 * day, custom, LevelCritical}, {31 * day, custom, LevelOK},
	} {
		if got := certificateLevel(horizonAt.Add(tc.left), horizonAt, tc.p); got != tc.want {
			t.Errorf("%s left, policy %+v: %s, want %s", tc.left, tc.p, got, tc.want)
		}
	}
}

// TestDecideHorizons runs Decide over a DANE-verified domain with
// signature and certificate horizons and checks levels, findings and
// status.
func TestDecideHorizons(t *testing.T) {
	day := 24 * time.Hour
	ee := &TLSARecord{Usage: 3, Selector: 1, MatchingType: 1, Data: strings.Repeat("aa", 32), Usable: true}
	ta := &TLSARecord{Usage: 2, Selector: 1, MatchingType: 1, Data: strings.Repeat("bb", 32), Usable: true}
	domain := func(rec *TLSARecord, depth int, certLeft time.Duration, sigs ...SignatureHorizon) *DomainReport {
		chain := []Certificate{{Subject: "CN=mx.example", NotAfter: horizonAt.Add(certLeft)}, {Subject: "CN=Example CA", NotAfter: horizonAt.Add(400 * day)}}
		return &DomainReport{Domain: "example", CheckedAt: horizonAt, MXLookup: *secure(),
			Horizons: Horizons{Signatures: sigs},
			MX: []MXReport{{Host: "mx.example", Preference: 10, A: secure(),
				TLSA: &TLSAReport{Name: "_25._tcp.mx.example", BaseDomain: "mx.example", Lookup: *secure(), Records: []TLSARecord{*rec}},
				Addresses: []AddressReport{{IP: "192.0.2.1", Connected: true, STARTTLS: true, TLSVersion: "TLSv1.3", Chain: chain,
					Match: &Match{Matched: true, Record: rec, Depth: depth}}},
			}}}
	}
	codes := func(fs []Finding) string {
		var c []string
		for _, f := range fs {
			c = append(c, f.Code)
		}
		return strings.Join(c, ",")
	}
	for _, tc := range []struct {
		name       string
		r          *DomainReport
		status     Status
		codes      string
		detail     string
		certLevels string
	}{
		{"fresh", domain(ee, 0, 200*day, sigHorizon("mx.example.", "TLSA", "example.", 30*day, 20*day)), StatusOK, "", "", "info,info"},
		{"DANE-EE leaf expiring is informational", domain(ee, 0, day, sigHorizon("mx.example.", "TLSA", "example.", 30*day, 20*day)), StatusOK, "", "", "info,info"},
		{"DANE-TA leaf expiring in 10 days", domain(ta, 1, 10*day), StatusWarning, WarnCertificateExpiring, "checked by dane-ta senders", "warning,info"},
		{"DANE-TA leaf expiring in 2 days", domain(ta, 1, 2*day), StatusCritical, WarnCertificateExpiryCritical, "--cert-crit 3 days", "critical,info"},
		{"signatures of one zone expiring in 36 hours", domain(ee, 0, 200*day,
			sigHorizon("mx.example.", "TLSA", "example.", 30*day, 40*time.Hour),
			sigHorizon("mx.example.", "A", "example.", 30*day, 36*time.Hour),
			sigHorizon("example.", "DNSKEY", "example.", 30*day, 20*day)),
			StatusWarning, WarnSignatureExpiring, "the RRSIG of zone example. over mx.example. A expires at 2026-12-06T00:00:00Z, in 1 day 12 hours (", "info,info"},
		{"signature expiring in 12 hours", domain(ee, 0, 200*day, sigHorizon("example.", "DS", ".", 30*day, 12*time.Hour)), StatusCritical, WarnSignatureExpiryCritical, "re-sign the zone now", "info,info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Decide(tc.r)
			if tc.r.DANE != DANEVerified {
				t.Fatalf("fixture not verified: %s %s", tc.r.DANE, tc.r.Summary)
			}
			if got := codes(tc.r.Warnings); got != tc.codes || tc.r.Status != tc.status {
				t.Errorf("status %s warnings %q, want %s %q (%+v)", tc.r.Status, got, tc.status, tc.codes, tc.r.Warnings)
			}
			if tc.detail != "" && (len(tc.r.Warnings) == 0 || !strings.Contains(tc.r.Warnings[0].Detail, tc.detail)) {
				t.Errorf("detail %+v lacks %q", tc.r.Warnings, tc.detail)
			}
			var lv []string
			for _, c := range tc.r.Horizons.Certificates {
				lv = append(lv, string(c.Level))
			}
			if strings.Join(lv, ",") != tc.certLevels {
				t.Errorf("certificate levels %v, want %s", lv, tc.certLevels)
			}
			for _, s := range tc.r.Horizons.Signatures {
				if want := int64(s.Expiration.Sub(horizonAt) / time.Second); s.SecondsLeft != want || s.Level == "" {
					t.Errorf("%s %s: %d seconds left (level %q), want %d", s.Owner, s.Type, s.SecondsLeft, s.Level, want)
				}
			}
		})
	}
}

// TestDecideHorizonsGrouped: several RRsets of one zone draw one finding
// that counts them.
func TestDecideHorizonsGrouped(t *testing.T) {
	r := &DomainReport{Domain: "example", CheckedAt: horizonAt, MXLookup: *secure(), NullMX: true,
		Horizons: Horizons{Signatures: []SignatureHorizon{
			sigHorizon("example.", "MX", "example.", 7*24*time.Hour, 30*time.Hour),
			sigHorizon("example.", "DNSKEY", "example.", 7*24*time.Hour, 30*time.Hour),
			sigHorizon("example.", "DS", ".", 7*24*time.Hour, 30*time.Hour),
		}}}
	Decide(r)
	if len(r.Warnings) != 2 || !strings.Contains(r.Warnings[0].Detail, "zone .") || !strings.Contains(r.Warnings[1].Detail, "2 RRsets of the zone") {
		t.Errorf("warnings %+v: want one per signer zone, the second counting 2 RRsets", r.Warnings)
	}
}
