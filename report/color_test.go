package report

import (
	"bytes"
	"os"
	"testing"
)

func TestUseColor(t *testing.T) {
	none := func(string) string { return "" }
	set := func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if UseColor(w, none) {
		t.Error("colour on a pipe")
	}
	if UseColor(&bytes.Buffer{}, none) {
		t.Error("colour on a buffer")
	}
	// A character device stands in for a terminal.
	if dev, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		defer dev.Close()
		if !UseColor(dev, none) {
			t.Error("no colour on a character device")
		}
		if UseColor(dev, set) {
			t.Error("colour despite NO_COLOR")
		}
		dumb := func(k string) string {
			if k == "TERM" {
				return "dumb"
			}
			return ""
		}
		if UseColor(dev, dumb) {
			t.Error("colour on TERM=dumb")
		}
	}
}
