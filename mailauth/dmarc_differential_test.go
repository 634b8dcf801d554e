package mailauth

import (
	"testing"

	"github.com/emersion/go-msgauth/dmarc"
)

// TestDMARCDifferential compares ParseDMARC with go-msgauth's
// dmarc.Parse, an independent implementation, on the records of the
// test world and of the rule tables. Where they differ, the case must be
// one of the listed disagreements, each decided by the RFC text quoted.
func TestDMARCDifferential(t *testing.T) {
	// Records where go-msgauth refuses the record and we keep the
	// policy, noting the bad tag: RFC 7489 §6.3 says a receiver uses p=
	// and ignores what it cannot use ("Unknown tags MUST be ignored";
	// "if a retrieved policy record does not contain a valid "p" tag, or
	// contains an "sp" tag that is not valid, then: if a "rua" tag is
	// present and contains at least one syntactically valid reporting
	// URI, the Mail Receiver SHOULD act as if a record containing a valid
	// "v" tag and "p=none" was retrieved", §6.6.3).
	disagree := map[string]string{
		"v=DMARC1; p=none; pct=50; fo=9": "RFC 7489 §6.6.3 voids a record only for a missing or invalid p= or an invalid sp=; go-msgauth rejects it for a bad fo=, we keep p= and note fo",
		"v=DMARC1; rua=mailto:a@x.test":  "go-msgauth requires p=; RFC 7489 §6.6.3: no p= but a valid rua= acts as p=none",
		"v=DMARC1; p=none; adkim=x":      "RFC 7489 §6.6.3 voids a record only for a missing or invalid p= or an invalid sp=; go-msgauth rejects it, we keep p= and note adkim",
		"v=DMARC1; p=none; aspf=strict":  "RFC 7489 §6.6.3 voids a record only for a missing or invalid p= or an invalid sp=; go-msgauth rejects it, we keep p= and note aspf",
		"v=DMARC1; p=none; pct=101":      "RFC 7489 §6.6.3 voids a record only for a missing or invalid p= or an invalid sp=; go-msgauth rejects it, we keep p= and note pct",
		"v=DMARC1; p=none; rf=iodef":     "RFC 7489 §6.6.3 voids a record only for a missing or invalid p= or an invalid sp=; go-msgauth rejects it, we keep p= and note rf",
		"v=DMARC1; p=none; ri=-1":        "RFC 7489 §6.6.3 voids a record only for a missing or invalid p= or an invalid sp=; go-msgauth rejects it, we keep p= and note ri",
		"v=DMARC1; p=Reject":             "go-msgauth rejects p=Reject; RFC 7489 §6.4's ABNF strings are case-insensitive (RFC 5234 §2.3)",
		"V = DMARC1;p=none":              "go-msgauth wants exactly \"v=DMARC1\"; RFC 7489 §6.4 allows white space around \"=\" and an upper-case tag name",
	}
	records := []string{
		"v=DMARC1; p=reject", "v=DMARC1; p=none; pct=50; fo=9", "v=DMARC1; p=reject; sp=none", "v=DMARC1; p=block",
		"v=DMARC1; p=reject; rua=mailto:agg@dmarc-reports.test,mailto:agg@dmarc-unauthorized.test", "v=DMARC1; p=reject; sp=quarantine",
		"v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:a@x.test,mailto:b@y.test!10m; ruf=mailto:f@x.test; adkim=s; aspf=r; fo=0:1:d:s; rf=afrf; ri=86400",
		"v=DMARC1; rua=mailto:a@x.test", "v=DMARC1; adkim=s", "v=DMARC1; p=none; pct=101", "v=DMARC1; p=none; adkim=x",
		"v=DMARC1; p=none; aspf=strict", "v=DMARC1; p=none; fo=2", "v=DMARC1; p=none; rf=iodef", "v=DMARC1; p=none; ri=-1",
		"v=DMARC1; p=none; rua=reports@x.test", "v=DMARC1; p=none; rua=mailto:a@x.test!10q", "v=DMARC1; p=none; sp=maybe",
		"v=DMARC1; p=reject; np=reject; psd=n; t=n", "v=DMARC1; p=reject; psd=x", "v=DMARC1; p=Reject", "V = DMARC1;p=none",
		"v=spf1 -all", "v=DMARC1; p=none; foo=bar",
	}
	disagree["v=DMARC1; p=none; fo=2"] = disagree["v=DMARC1; p=none; pct=50; fo=9"]
	agree := 0
	for _, rec := range records {
		ours, ourErr := ParseDMARC(rec)
		theirs, theirErr := dmarc.Parse(rec)
		same := (ourErr == nil) == (theirErr == nil)
		// Agreement is on the result (policy or none), not on the
		// notes we add about tags they accept silently.
		if same && ourErr == nil && string(theirs.Policy) != ours.Tags["p"] {
			same = false
		}
		if same {
			agree++
			if why, listed := disagree[rec]; listed {
				t.Errorf("%q: listed as a disagreement (%s) but both agree now", rec, why)
			}
			continue
		}
		why, listed := disagree[rec]
		if !listed {
			t.Errorf("%q: we say %v %v, go-msgauth says %+v %v", rec, ours, ourErr, theirs, theirErr)
			continue
		}
		t.Logf("disagreement on %q: %s", rec, why)
	}
	t.Logf("%d records: %d agree, %d listed disagreements", len(records), agree, len(records)-agree)
}
