package tlsrpt

import "time"

// Report is one TLS report (RFC 8460 §4): what one sending organisation saw
// of the SMTP sessions to one or more policy domains during one period.
// Parse fills it leniently from what senders really send; Unusual says
// what in the report departed from RFC 8460, in words for people.
type Report struct {
	// Organization is "organization-name": who sent the report, such as
	// "Google Inc." (RFC 8460 §4.4).
	Organization string `json:"organization"`
	// ContactInfo is "contact-info".
	ContactInfo string `json:"contact_info,omitempty"`
	// ID is "report-id", as sent (senders use angle brackets, "@", "+"
	// and dots); reports are de-duplicated by it.
	ID string `json:"report_id"`
	// Start and End are the "date-range"; zero when missing or unreadable.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Policies are the report's "policies", in report order.
	Policies []Policy `json:"policies"`
	// Unusual lists what departed from RFC 8460 §4 and was accepted
	// anyway ("mx-host is a string, not a list"); empty for a report
	// that follows the schema.
	Unusual []string `json:"unusual,omitempty"`
}

// Policy is one entry of a report's "policies": the policy the sender
// applied to one policy domain and the sessions it counted under it
// (RFC 8460 §4.4).
type Policy struct {
	// Type is "policy-type": tlsa, sts or no-policy-found, lower case.
	Type PolicyType `json:"policy_type"`
	// Domain is "policy-domain", lower case without a trailing dot.
	Domain string `json:"policy_domain"`
	// Strings is "policy-string": the TLSA records or the lines of the
	// MTA-STS policy the sender applied.
	Strings []string `json:"policy_string,omitempty"`
	// MXHosts is "mx-host": the MX patterns of an MTA-STS policy.
	MXHosts []string `json:"mx_host,omitempty"`
	// Successful and Failed are the "summary" counts of sessions.
	Successful int64 `json:"successful"`
	Failed     int64 `json:"failed"`
	// Details are the "failure-details".
	Details []FailureDetail `json:"failure_details,omitempty"`
}

// FailureDetail is one entry of "failure-details" (RFC 8460 §4.4): a
// number of failed sessions with one result type between one sending MTA
// and one receiving MX.
type FailureDetail struct {
	// Result is "result-type", lower case.
	Result ResultType `json:"result_type"`
	// SendingIP is "sending-mta-ip".
	SendingIP string `json:"sending_mta_ip,omitempty"`
	// ReceivingMX is "receiving-mx-hostname", lower case without a
	// trailing dot; ReceivingHELO is "receiving-mx-helo".
	ReceivingMX   string `json:"receiving_mx_hostname,omitempty"`
	ReceivingHELO string `json:"receiving_mx_helo,omitempty"`
	// ReceivingIP is "receiving-ip".
	ReceivingIP string `json:"receiving_ip,omitempty"`
	// Sessions is "failed-session-count".
	Sessions int64 `json:"failed_session_count"`
	// AdditionalInfo is "additional-information" (a URI) and ReasonCode
	// "failure-reason-code" (free text, such as an OpenSSL error name).
	AdditionalInfo string `json:"additional_information,omitempty"`
	ReasonCode     string `json:"failure_reason_code,omitempty"`
}
