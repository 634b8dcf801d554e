package gather

import (
	"context"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/mailauth"
)

// posture gathers the mail-authentication posture (package mailauth):
// the SPF tree and the DMARC policy always, the DKIM selectors and the
// Microsoft 365 readiness when the Checker asks for them. Its findings
// join the report's warnings and notes through Advice. TLS-RPT comes
// with the MTA-STS check. The SPF walk (whose mx mechanism asks for the
// domain's MX) and the Microsoft 365 assessment start once mxDone is
// closed, so that they read the MX answer from the resolver's cache
// instead of asking upstream a second time.
func (g *gathering) posture(ctx context.Context, name string, mxDone <-chan struct{}) {
	var findings []mailauth.Finding
	if o := g.c.MailAuth; o != nil {
		<-mxDone
		a := mailauth.Check(ctx, g.c.Resolver, name, *o)
		g.r.SPF, g.r.DMARC, g.r.DKIM, g.r.Microsoft365 = a.SPF, a.DMARC, a.DKIM, a.Microsoft365
		findings = a.Findings()
	} else {
		done := make(chan struct{})
		go func() {
			defer close(done)
			g.r.DMARC = mailauth.LookupDMARC(ctx, g.c.Resolver, name)
		}()
		<-mxDone
		g.r.SPF = mailauth.AnalyzeSPF(ctx, g.c.Resolver, name)
		<-done
		findings = append(append(findings, g.r.SPF.Findings...), g.r.DMARC.Findings...)
	}
	for _, f := range findings {
		sev := delivery.SeverityNote
		if f.Warning {
			sev = delivery.SeverityWarning
		}
		g.advise(delivery.Finding{Code: f.Code, Severity: sev, Detail: f.Detail})
	}
}
