package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/report"
)

// htmlFlag is check's --html FILE: the service's domain page, for mailing
// a report.
func htmlFlag() cli.Flag {
	return &cli.StringFlag{Name: "html", Usage: "also write the reports as one HTML page to `FILE` (the domain page of \"daneprobe serve\": verdicts, failures first, per-MX details, chain picture; no scripts, nothing loaded from elsewhere)"}
}

// writeHTMLFile writes the reports to check's --html file, if one was
// given. The file is written whole or not at all.
func writeHTMLFile(c *cli.Context, reports []delivery.DomainReport) error {
	path := c.String("html")
	if path == "" {
		return nil
	}
	pages := make([]report.HTMLPage, len(reports))
	for i := range reports {
		pages[i] = report.HTMLPage{Report: &reports[i]}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".daneprobe-html-*")
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("--html: %w", err)}
	}
	defer os.Remove(tmp.Name())
	if err := report.WriteHTML(tmp, pages); err != nil {
		tmp.Close()
		return &exitError{code: exitUnknown, err: fmt.Errorf("--html %s: %w", path, err)}
	}
	if err := tmp.Close(); err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("--html %s: %w", path, err)}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("--html %s: %w", path, err)}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("--html: %w", err)}
	}
	return nil
}
