package delivery

import (
	"encoding/json"
	"testing"

	"github.com/daneprobe/daneprobe/dnssec"
)

// changeBase is a decided one-MX DANE-EE domain with MTA-STS enforce: the
// "previous run" every case of TestDiff edits.
func changeBase(t *testing.T) *DomainReport {
	t.Helper()
	h := "mx.change.example"
	cur := tlsaRec(3, 1, 1, h)
	a := probe("192.0.2.1", h)
	a.Match = matched(cur, 0)
	a.WebPKI = webpkiOK()
	r := base("change.example", secure())
	r.MX = []MXReport{mxHost(h, 10, secure(), tlsaSet(h, secure(), cur), a)}
	r.MX[0].PolicyMatch = true
	r.MTASTS = MTASTSReport{Record: "v=STSv1; id=1", ID: "1", Mode: "enforce", MaxAge: 86400, Patterns: []string{h}}
	Decide(r)
	return r
}

// roundTrip copies r the way the history store does: through its JSON.
func roundTrip(t *testing.T, r *DomainReport) *DomainReport {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var c DomainReport
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("a report does not survive its own JSON: %v", err)
	}
	return &c
}

func TestDiff(t *testing.T) {
	newKey := func(r *DomainReport) {
		a := &r.MX[0].Addresses[0]
		a.Chain[0] = cert("mx.change.example renewed", "Test CA R1", "mx.change.example")
		a.Match = &Match{Failure: ReasonNoMatch}
	}
	tests := []struct {
		name   string
		edit   func(r *DomainReport)
		want   []string // change codes, in order
		level  ChangeLevel
		status Status // of the edited report after Decide and ApplyChanges
		raw    bool   // compare the edited facts without deciding again
	}{
		{name: "nothing", edit: func(*DomainReport) {}, status: StatusOK},
		{name: "same key renewed", edit: func(r *DomainReport) {
			a := &r.MX[0].Addresses[0]
			a.Chain[0].CertSHA256 = hexOf("cert renewed")
		}, want: []string{ChangeCertRenewed}, level: ChangeNote, status: StatusOK},
		{name: "new key without its record", edit: newKey,
			want:  []string{ChangeBrokenRollover, ChangeDANE, ChangeStatus},
			level: ChangeCritical, status: StatusCritical},
		{name: "next key pre-published", edit: func(r *DomainReport) {
			t := r.MX[0].TLSA
			t.Records = append(t.Records, tlsaRec(3, 1, 1, "next"))
		}, want: []string{ChangeTLSARollover}, level: ChangeNote, status: StatusOK},
		{name: "record of the current key removed", edit: func(r *DomainReport) {
			r.MX[0].TLSA.Records = []TLSARecord{tlsaRec(3, 1, 1, "next")}
			r.MX[0].Addresses[0].Match = &Match{Failure: ReasonNoMatch}
		}, want: []string{ChangeBrokenTLSAEdit, ChangeTLSA, ChangeDANE, ChangeStatus}, level: ChangeCritical, status: StatusCritical},
		{name: "new issuer, new key, still matching", edit: func(r *DomainReport) {
			a := &r.MX[0].Addresses[0]
			a.Chain[0] = cert("mx.change.example", "Other CA", "mx.change.example")
			a.Chain[0].CertSHA256 = hexOf("cert other")
		}, want: []string{ChangeIssuer, ChangeCertRenewed}, level: ChangeNote, status: StatusOK},
		{name: "MX added", edit: func(r *DomainReport) {
			r.MX = append(r.MX, mxHost("mx2.change.example", 20, secure(), nil))
		}, want: []string{ChangeMX, ChangeDANE, ChangeMTASTS, ChangeStatus}, level: ChangeWarning, status: StatusWarning},
		{name: "address changed", edit: func(r *DomainReport) {
			r.MX[0].Addresses[0].IP = "192.0.2.99"
		}, want: []string{ChangeAddresses}, level: ChangeNote, status: StatusOK},
		{name: "MX zone lost DNSSEC", edit: func(r *DomainReport) {
			r.MXLookup = *insecure()
		}, want: []string{ChangeDNSSEC}, level: ChangeWarning},
		{name: "MTA-STS enforce to testing, new id", edit: func(r *DomainReport) {
			r.MTASTS.ID, r.MTASTS.Mode = "2", "testing"
		}, want: []string{ChangeMTASTSID, ChangeMTASTSMode}, level: ChangeWarning, status: StatusWarning},
		{name: "MTA-STS mx patterns", edit: func(r *DomainReport) {
			r.MTASTS.Patterns = []string{"*.change.example"}
		}, want: []string{ChangeMTASTSMX}, level: ChangeNote, status: StatusOK},
		{name: "TLS-RPT removed", edit: func(r *DomainReport) {
			r.TLSRPT = nil
		}, want: []string{ChangeTLSRPT}, level: ChangeWarning},
		{name: "indeterminate is not a change", edit: func(r *DomainReport) {
			r.MX[0].A.DNSSEC = dnssec.Indeterminate
		}, raw: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := roundTrip(t, changeBase(t))
			cur := roundTrip(t, changeBase(t))
			tt.edit(cur)
			if !tt.raw {
				Decide(cur)
			}
			got := Diff(prev, cur)
			var codes []string
			worst := ChangeNote
			for _, c := range got {
				codes = append(codes, c.Code)
				if c.Level.Reaches(worst) {
					worst = c.Level
				}
				if c.Detail == "" {
					t.Errorf("%s: no detail", c.Code)
				}
			}
			if !equalStrings(codes, tt.want) {
				t.Fatalf("changes = %v, want %v\n%+v", codes, tt.want, got)
			}
			if len(got) > 0 && worst != tt.level {
				t.Errorf("worst level = %s, want %s", worst, tt.level)
			}
			ApplyChanges(cur, got)
			if tt.status != "" && cur.Status != tt.status {
				t.Errorf("status = %s, want %s (warnings %+v)", cur.Status, tt.status, cur.Warnings)
			}
			for _, c := range got {
				if !hasFinding(cur, c.Code) {
					t.Errorf("change %s is neither a warning nor a note", c.Code)
				}
			}
		})
	}
}

func TestComparable(t *testing.T) {
	r := changeBase(t)
	if !Comparable(r) {
		t.Fatal("a finished check is not comparable")
	}
	for name, edit := range map[string]func(*DomainReport){
		"local fault": func(r *DomainReport) { r.LocalFault = "trust-anchor-mismatch" },
		"cut short":   func(r *DomainReport) { r.Stopped = CutShort },
		"error":       func(r *DomainReport) { r.Error = "deadline" },
		"unknown":     func(r *DomainReport) { r.Status = StatusUnknown },
	} {
		c := changeBase(t)
		edit(c)
		if Comparable(c) {
			t.Errorf("%s: comparable", name)
		}
	}
}

func hasFinding(r *DomainReport, code string) bool {
	for _, f := range append(append([]Finding(nil), r.Warnings...), r.Notes...) {
		if f.Code == code {
			return true
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAlerts(t *testing.T) {
	note := Change{Code: ChangeCertRenewed, Level: ChangeNote}
	warn := Change{Code: ChangeMTASTSMode, Level: ChangeWarning}
	recovered := Change{Code: ChangeStatus, Level: ChangeNote}
	tests := []struct {
		status  Status
		changes []Change
		min     ChangeLevel
		want    bool
	}{
		{StatusOK, nil, ChangeNote, false},
		{StatusOK, []Change{note}, ChangeNote, true},
		{StatusOK, []Change{note}, ChangeWarning, false},
		{StatusOK, []Change{warn}, ChangeWarning, true},
		{StatusOK, []Change{warn}, ChangeCritical, false},
		{StatusOK, []Change{recovered}, ChangeCritical, true},
		{StatusWarning, nil, ChangeNote, true},
		{StatusWarning, nil, ChangeWarning, true},
		{StatusWarning, nil, ChangeCritical, false},
		{StatusUnknown, nil, ChangeWarning, true},
		{StatusUnknown, nil, ChangeCritical, false},
		{StatusCritical, nil, ChangeCritical, true},
	}
	for _, tt := range tests {
		r := &DomainReport{Status: tt.status, Changes: tt.changes}
		if got := Alerts(r, tt.min); got != tt.want {
			t.Errorf("Alerts(%s, %v, %s) = %v, want %v", tt.status, tt.changes, tt.min, got, tt.want)
		}
	}
}
