package monitor

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/daneprobe/daneprobe/scan"
)

// MaxDomains bounds the domains of one list.
const MaxDomains = 1_000_000

// ReadList reads a domain list in scan's syntax (one domain per line, "#"
// comments, duplicates and upper case fine) and returns its domains as
// A-labels, without duplicates, in list order, with the bad lines (each a
// *scan.LineError), which the caller reports and otherwise ignores.
func ReadList(r io.Reader) (domains []string, bad []error, err error) {
	lr := scan.NewListReader(r)
	seen := map[string]bool{}
	for {
		d, err := lr.Next()
		var le *scan.LineError
		switch {
		case errors.Is(err, io.EOF):
			return domains, bad, nil
		case errors.As(err, &le):
			bad = append(bad, le)
			continue
		case err != nil:
			return nil, nil, err
		}
		if seen[d] {
			continue
		}
		if len(domains) == MaxDomains {
			return nil, nil, fmt.Errorf("more than %d domains", MaxDomains)
		}
		seen[d] = true
		domains = append(domains, d)
	}
}

// ReadListFile is ReadList of the file at path.
func ReadListFile(path string) ([]string, []error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read domain list: %w", err)
	}
	defer f.Close()
	d, bad, err := ReadList(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read domain list %s: %w", path, err)
	}
	return d, bad, nil
}
