package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/history"
	"github.com/daneprobe/daneprobe/scan"
)

// stateDefault is the --state value that names the default location.
const stateDefault = "default"

// stateFlag is --state, the history store of check, scan and history.
func stateFlag() cli.Flag {
	return &cli.StringFlag{
		Name: "state",
		Usage: "record each domain's result in the history store `FILE` (SQLite) and report what changed since its previous run " +
			"(\"default\": $XDG_STATE_HOME/daneprobe/history.sqlite, else ~/.local/state/daneprobe/history.sqlite)",
		EnvVars: []string{"DANEPROBE_STATE"},
	}
}

// alertOnFlag is --alert-on, the filter of check's output for cron mail.
func alertOnFlag() cli.Flag {
	return &cli.StringFlag{
		Name: "alert-on",
		Usage: "print only the domains that deserve a mail at `LEVEL`: change (any change or a status other than OK), " +
			"warning (WARNING, UNKNOWN or CRITICAL, a warning or critical change, or a changed status) or critical " +
			"(CRITICAL, a critical change, or a changed status); implies --quiet; changes need --state",
		EnvVars: []string{"DANEPROBE_ALERT_ON"},
	}
}

// alertLevel returns the level of --alert-on, and for --quiet alone the
// level "warning" (the statuses other than OK, and with --state a
// changed status or a warning change); ok is false when neither is set.
func alertLevel(c *cli.Context) (level delivery.ChangeLevel, ok bool, err error) {
	switch v := c.String("alert-on"); v {
	case "":
		return delivery.ChangeWarning, c.Bool("quiet"), nil
	case "change":
		return delivery.ChangeNote, true, nil
	case "warning":
		return delivery.ChangeWarning, true, nil
	case "critical":
		return delivery.ChangeCritical, true, nil
	default:
		return "", false, usageErrorf("--alert-on %q: want change, warning or critical", v)
	}
}

// statePath returns the store named by --state ("" when none).
func statePath(c *cli.Context) (string, error) {
	p := c.String("state")
	if p != stateDefault {
		return p, nil
	}
	p, err := history.DefaultPath(os.Getenv)
	if err != nil {
		return "", usageErrorf("--state default: %v", err)
	}
	return p, nil
}

// openState opens the store of --state for writing; nil without --state.
// Every failure is one line and exit status 3, before anything is checked.
func openState(c *cli.Context) (*history.Store, error) {
	path, err := statePath(c)
	if err != nil || path == "" {
		return nil, err
	}
	st, err := history.Open(c.Context, path, history.Options{})
	if err != nil {
		return nil, stateError(err)
	}
	return st, nil
}

// stateError is a store failure as the user sees it: one line, exit 3.
func stateError(err error) error {
	return &exitError{code: exitUnknown, err: fmt.Errorf("--state: %w", err)}
}

// recordRun records the reports of one check run, unless the run was
// interrupted: a run cut short by Ctrl-C records nothing.
func recordRun(ctx context.Context, st *history.Store, reports []delivery.DomainReport) error {
	if st == nil || ctx.Err() != nil {
		return nil
	}
	ptrs := make([]*delivery.DomainReport, len(reports))
	for i := range reports {
		ptrs[i] = &reports[i]
	}
	// The write must not be cut by a late Ctrl-C halfway: it is one
	// transaction, short, and SQLite rolls back what it cannot commit.
	if _, err := st.RecordAll(context.WithoutCancel(ctx), ptrs); err != nil && !errors.Is(err, history.ErrIncomplete) {
		return stateError(fmt.Errorf("%w; this run was not recorded", err))
	}
	return nil
}

// scanRecorder records each domain of a scan in the history store as it
// finishes, before its line is written, so that the line holds its
// changes. A domain cut short by an interrupt is not recorded (and not
// written: a resumed scan checks it again). After the first failure
// nothing more is recorded and the scan ends with exit status 3.
type scanRecorder struct {
	store  *history.Store
	stderr io.Writer

	mu       sync.Mutex
	err      error
	notSaved int
}

func (s *scanRecorder) wrap(check scan.CheckFunc) scan.CheckFunc {
	return func(ctx context.Context, domain string) *delivery.DomainReport {
		r := check(ctx, domain)
		if ctx.Err() != nil {
			return r
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.err != nil {
			s.notSaved++
			return r
		}
		// One domain is one transaction; each waits for the one before.
		if _, err := s.store.Record(context.WithoutCancel(ctx), r); err != nil && !errors.Is(err, history.ErrIncomplete) {
			s.err = err
			s.notSaved++
			fmt.Fprintf(s.stderr, "daneprobe: --state: %v; no more results are recorded\n", err)
		}
		return r
	}
}

// failure returns the store failure of the scan, if any, as exit 3; nil
// for a nil recorder.
func (s *scanRecorder) failure() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		return nil
	}
	return stateError(fmt.Errorf("%w; %d domains were not recorded", s.err, s.notSaved))
}
