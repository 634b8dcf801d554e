package history

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors that Open and the methods of Store wrap; callers branch on them
// with errors.Is. Every error of this package names the file.
var (
	// ErrNotOurs is returned for a file that is not a daneprobe history
	// store: not an SQLite database, or another program's database.
	ErrNotOurs = errors.New("not a daneprobe history store")
	// ErrNewerSchema is returned for a store written by a newer daneprobe.
	ErrNewerSchema = errors.New("written by a newer daneprobe")
	// ErrReadOnly is returned when a store opened for writing is read-only
	// (the file or its directory).
	ErrReadOnly = errors.New("read-only")
	// ErrCorrupt is returned for a store whose integrity check fails.
	ErrCorrupt = errors.New("corrupt")
	// ErrBusy is returned when another process held the store for writing
	// longer than Options.BusyTimeout.
	ErrBusy = errors.New("locked by another daneprobe")
	// ErrFull is returned when the disk (or Options.MaxPages) is full; the
	// run was not recorded.
	ErrFull = errors.New("disk full")
	// ErrNotFound is returned by Latest for a domain without results, and
	// by Open with ReadOnly for a file that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrIncomplete is returned by Record for a check that was cut short
	// (an interrupt, the deadline of a scan): nothing partial is stored.
	ErrIncomplete = errors.New("the check was cut short; nothing was recorded")
)

// applicationID marks the file as daneprobe's (PRAGMA application_id):
// "DnPb".
const applicationID = 0x446e5062

// DefaultBusyTimeout is how long a writer waits for another by default.
const DefaultBusyTimeout = 30 * time.Second

// Options configure Open. The zero value opens for writing with
// DefaultBusyTimeout.
type Options struct {
	// ReadOnly opens an existing store for reading only (the history
	// command, a dashboard): it is never created, migrated or written.
	ReadOnly bool
	// BusyTimeout is how long a write waits while another process writes;
	// 0 means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// MaxPages caps the size of the file in pages (PRAGMA max_page_count);
	// 0 leaves SQLite's limit. A run that does not fit fails with ErrFull
	// and records nothing.
	MaxPages int
}

// Store is an open history file. Its methods are safe for concurrent use;
// writes are serialised by SQLite.
type Store struct {
	path    string
	db      *sql.DB
	ro      bool
	created bool // Open created the file
}

// Path returns the file name of the store.
func (s *Store) Path() string { return s.path }

// Close closes the store.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return s.errorf("close", err)
	}
	return nil
}

// Open opens the store at path, creating it (and its directory) when it
// does not exist and migrating an older schema, unless opts.ReadOnly is
// set. It returns an error wrapping ErrNotOurs, ErrNewerSchema,
// ErrReadOnly, ErrCorrupt, ErrBusy or ErrNotFound (read-only, no file),
// and leaves a file it refuses untouched.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	s := &Store{path: path, ro: opts.ReadOnly}
	if path == "" {
		return nil, errors.New("history: empty state file name")
	}
	fresh, err := s.precheck()
	if err != nil {
		return nil, err
	}
	timeout := opts.BusyTimeout
	if timeout <= 0 {
		timeout = DefaultBusyTimeout
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, s.errorf("open", err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", timeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// In WAL mode NORMAL still never shows a half-written transaction
	// after a crash; it only may lose the last ones on power loss.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	if opts.ReadOnly {
		// SQLite honours mode only in a file: URI (TestReadOnlyIsHonoured).
		q.Set("mode", "ro")
	}
	if opts.MaxPages > 0 {
		q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", opts.MaxPages))
	}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, s.errorf("open", err)
	}
	s.db = db
	if !opts.ReadOnly {
		// One connection: this process's writers queue in Go instead of
		// polling SQLite's lock; other processes still wait up to
		// BusyTimeout.
		db.SetMaxOpenConns(1)
	}
	if err := s.setup(ctx, fresh); err != nil {
		db.Close()
		if s.created {
			// Nothing was there before: leave no empty database behind.
			removeFresh(path)
		}
		return nil, err
	}
	return s, nil
}

// precheck refuses what SQLite would either accept silently (a read-only
// file opened read-write becomes read-only) or overwrite: it reports
// whether the file is new (absent or empty).
func (s *Store) precheck() (fresh bool, err error) {
	fi, err := os.Stat(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if s.ro {
			return false, s.wrap(ErrNotFound, "no such file")
		}
		if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
			return false, s.errorf("create directory", err)
		}
		s.created = true
		return true, nil
	case err != nil:
		return false, s.errorf("open", err)
	case !fi.Mode().IsRegular():
		return false, s.wrap(ErrNotOurs, "not a regular file")
	}
	if !s.ro {
		// Root may write to a file without write permission; the mode
		// still says its owner wants it left alone.
		if fi.Mode().Perm()&0o222 == 0 {
			return false, s.wrap(ErrReadOnly, "the file has no write permission")
		}
		f, err := os.OpenFile(s.path, os.O_RDWR, 0)
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				return false, s.wrap(ErrReadOnly, "no permission to write")
			}
			return false, s.errorf("open", err)
		}
		f.Close()
	}
	if fi.Size() == 0 {
		return !s.ro, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return false, s.errorf("open", err)
	}
	defer f.Close()
	head := make([]byte, 16)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, []byte("SQLite format 3\x00")) {
		return false, s.wrap(ErrNotOurs, "not an SQLite database")
	}
	return false, nil
}

// setup checks the file's identity and schema, and for writers migrates
// it and switches it to WAL.
func (s *Store) setup(ctx context.Context, fresh bool) error {
	var app, version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return s.classify("read header", err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.classify("read header", err)
	}
	if app != applicationID {
		var tables int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
			return s.classify("read schema", err)
		}
		if app != 0 || version != 0 || tables != 0 {
			return s.wrap(ErrNotOurs, "another program's SQLite database")
		}
		if s.ro {
			return s.wrap(ErrNotOurs, "an empty SQLite database")
		}
	}
	if version > len(migrations()) {
		return s.wrap(ErrNewerSchema, fmt.Sprintf("schema %d, this daneprobe knows up to %d; upgrade daneprobe", version, len(migrations())))
	}
	if !fresh {
		var res string
		if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
			return s.classify("check integrity", err)
		}
		if res != "ok" {
			return s.wrap(ErrCorrupt, "integrity check: "+firstLine(res))
		}
	}
	if s.ro {
		if version < len(migrations()) {
			return fmt.Errorf("history %s: schema %d is older than this daneprobe's %d; record one run with --state to upgrade it", s.path, version, len(migrations()))
		}
		return nil
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.classify("switch to WAL", err)
	}
	return s.migrate(ctx, version)
}

// classify wraps an SQLite error with the sentinel callers branch on.
func (s *Store) classify(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return s.wrap(ErrNotOurs, "not an SQLite database")
		case sqlite3.SQLITE_CORRUPT:
			return s.wrap(ErrCorrupt, op+": "+firstLine(se.Error()))
		case sqlite3.SQLITE_READONLY:
			return s.wrap(ErrReadOnly, op+": "+firstLine(se.Error()))
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return s.wrap(ErrBusy, op)
		case sqlite3.SQLITE_FULL:
			return s.wrap(ErrFull, op+"; nothing was recorded")
		case sqlite3.SQLITE_CANTOPEN:
			return s.errorf(op, errors.New("cannot open the file (check the directory's permissions)"))
		}
	}
	return s.errorf(op, err)
}

func (s *Store) wrap(sentinel error, detail string) error {
	if detail == "" {
		return fmt.Errorf("history %s: %w", s.path, sentinel)
	}
	return fmt.Errorf("history %s: %w (%s)", s.path, sentinel, detail)
}

// errorf wraps err with the file and the operation. SQLite's messages
// may span lines; the first is the one that names the cause.
func (s *Store) errorf(op string, err error) error {
	return fmt.Errorf("history %s: %s: %w", s.path, op, firstLineError{err})
}

// firstLineError shows the first line of an error's message and unwraps
// to it, so errors.Is and errors.As still see the cause.
type firstLineError struct{ err error }

func (e firstLineError) Error() string { return firstLine(e.err.Error()) }
func (e firstLineError) Unwrap() error { return e.err }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// removeFresh removes a database Open created and then refused.
func removeFresh(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		os.Remove(p)
	}
}
