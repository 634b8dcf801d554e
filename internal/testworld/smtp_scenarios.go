package testworld

import (
	"encoding/json"
	"fmt"
	"os"
)

// SMTPScenario is one entry of testdata/smtpprobe/scenarios.json: a server
// kind and what a single probe session records against it.
type SMTPScenario struct {
	Name        string       `json:"name"`
	Kind        SMTPKind     `json:"kind"`
	Description string       `json:"description"`
	Expect      SMTPExpected `json:"expect"`
}

// SMTPExpected is the expected probe record. Empty FailedStep means the
// session completes.
type SMTPExpected struct {
	FailedStep         string `json:"failed_step"`
	Outcome            string `json:"outcome"`
	STARTTLSAdvertised bool   `json:"starttls_advertised"`
	STARTTLSAccepted   bool   `json:"starttls_accepted"`
	STARTTLSCode       int    `json:"starttls_code"`
	TLS                bool   `json:"tls"`
	TLSVersion         string `json:"tls_version"`
	Injected           bool   `json:"injected"`
}

// LoadSMTPScenarios reads a scenario list such as
// testdata/smtpprobe/scenarios.json.
func LoadSMTPScenarios(path string) ([]SMTPScenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read smtp scenarios: %w", err)
	}
	var doc struct {
		Scenarios []SMTPScenario `json:"scenarios"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse smtp scenarios %s: %w", path, err)
	}
	for _, sc := range doc.Scenarios {
		if sc.Name == "" || sc.Kind == "" {
			return nil, fmt.Errorf("smtp scenarios %s: entry without name or kind", path)
		}
	}
	return doc.Scenarios, nil
}
