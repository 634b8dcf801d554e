package history

import (
	"context"
	"fmt"
)

// migrations returns the schema steps: element i brings the schema from
// user_version i to i+1. Append only: a released migration never
// changes.
func migrations() []string {
	return []string{
		// 1: one row per recorded check, and the changes it found.
		`CREATE TABLE results (
			id          INTEGER PRIMARY KEY,
			domain      TEXT NOT NULL,
			checked_at  INTEGER NOT NULL, -- Unix nanoseconds
			status      TEXT NOT NULL,
			dane        TEXT NOT NULL,    -- the domain's DANE verdict
			mta_sts     TEXT NOT NULL,    -- the domain's MTA-STS verdict
			summary     TEXT NOT NULL,    -- the verdict line
			comparable  INTEGER NOT NULL, -- 1 when later checks compare against it
			report      BLOB NOT NULL     -- check's JSON object (report/SCHEMA.md)
		);
		CREATE INDEX results_domain ON results(domain, id);
		CREATE TABLE changes (
			result_id   INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
			seq         INTEGER NOT NULL,
			code        TEXT NOT NULL,
			level       TEXT NOT NULL,
			mx          TEXT NOT NULL,
			ip          TEXT NOT NULL,
			old         TEXT NOT NULL,
			new         TEXT NOT NULL,
			detail      TEXT NOT NULL,
			PRIMARY KEY (result_id, seq)
		);`,
	}
}

// migrate brings the schema from version to the latest, in one
// transaction, and marks the file as daneprobe's.
func (s *Store) migrate(ctx context.Context, version int) error {
	steps := migrations()
	if version == len(steps) {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.classify("migrate", err)
	}
	defer tx.Rollback()
	// Another writer may have migrated while we waited for the lock.
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.classify("migrate", err)
	}
	for v := version; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return s.classify(fmt.Sprintf("migrate to schema %d", v+1), err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id=%d; PRAGMA user_version=%d", applicationID, len(steps))); err != nil {
		return s.classify("migrate", err)
	}
	if err := tx.Commit(); err != nil {
		return s.classify("migrate", err)
	}
	return nil
}
