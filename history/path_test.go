package history

import "testing"

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/var/lib/x", "HOME": "/home/a"}, "/var/lib/x/daneprobe/history.sqlite"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/a"}, "/home/a/.local/state/daneprobe/history.sqlite"},
		{map[string]string{"HOME": "/home/a"}, "/home/a/.local/state/daneprobe/history.sqlite"},
		{map[string]string{}, ""},
	}
	for _, tt := range tests {
		got, err := DefaultPath(func(k string) string { return tt.env[k] })
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("DefaultPath(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}
