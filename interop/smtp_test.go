package interop

import (
	"testing"
	"time"
)

type smtpScenario struct{}

type smtpWorld struct{ scenarios []smtpScenario }

func newSMTPWorld(now time.Time) (*smtpWorld, error) { return &smtpWorld{}, nil }

func (s *smtpWorld) zone() zoneSpec {
	return zoneSpec{name: "dane.interop.", parent: "interop.", tmpl: "dane.zone.tmpl", signer: bindSigner, alg: p256}
}

func (s *smtpWorld) start(t *testing.T, tb *toolbox, dir, tmplDir string) error { return nil }

func testSMTP(t *testing.T, w *world) {}
