package mailauth

// Finding is one warning or note about the domain's mail
// authentication, with a stable code.
type Finding struct {
	// Code is a stable identifier such as "spf-plus-all".
	Code string `json:"code"`
	// Warning is true for a warning, false for a note.
	Warning bool `json:"-"`
	// Detail is one sentence for people.
	Detail string `json:"detail"`
}

// Finding codes. They are part of the JSON output and stay stable.
const (
	WarnSPFPlusAll        = "spf-plus-all"
	WarnSPFPermerror      = "spf-permerror"
	WarnSPFTemperror      = "spf-temperror"
	NoteSPFNone           = "spf-none"
	NoteSPFNeutral        = "spf-neutral"
	NoteSPFSoftfail       = "spf-softfail"
	NoteSPFPtr            = "spf-ptr"
	NoteSPFLong           = "spf-long-record"
	NoteSPFNearLimit      = "spf-near-lookup-limit"
	NoteSPFSenderMacros   = "spf-depends-on-sender"
	WarnDMARCInvalid      = "dmarc-invalid"
	WarnDMARCTemperror    = "dmarc-temperror"
	NoteDMARCNone         = "dmarc-none"
	NoteDMARCMonitor      = "dmarc-monitoring-only"
	WarnDMARCPct          = "dmarc-pct"
	WarnDMARCWeakSP       = "dmarc-weak-subdomain-policy"
	NoteDMARCTag          = "dmarc-bad-tag"
	WarnDMARCUnauthorized = "dmarc-report-unauthorized"
	NoteDMARCOrgFallback  = "dmarc-from-org-domain"
	WarnDKIMWeakKey       = "dkim-weak-key"
	NoteDKIMShortKey      = "dkim-short-key"
	WarnDKIMBadRecord     = "dkim-invalid-key"
	NoteDKIMRevoked       = "dkim-revoked"
	NoteDKIMTesting       = "dkim-testing"
	WarnDKIMDangling      = "dkim-dangling-cname"
	WarnDKIMLookup        = "dkim-lookup-failed"
	NoteDKIMNotFound      = "dkim-no-selector"
	NoteM365              = "m365-todo"
)
