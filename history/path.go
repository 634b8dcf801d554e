package history

import (
	"errors"
	"path/filepath"
)

// FileName is the name of the store in its default directory.
const FileName = "history.sqlite"

// DefaultPath returns the default location of the store, following the
// XDG Base Directory specification: $XDG_STATE_HOME/daneprobe/history.sqlite,
// or ~/.local/state/daneprobe/history.sqlite when XDG_STATE_HOME is unset
// or not absolute. getenv is os.Getenv in production.
func DefaultPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "daneprobe", FileName), nil
	}
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		return "", errors.New("history: neither XDG_STATE_HOME nor HOME is an absolute directory: give the state file's path")
	}
	return filepath.Join(home, ".local", "state", "daneprobe", FileName), nil
}
