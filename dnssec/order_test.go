package dnssec

import "testing"

func TestWeakest(t *testing.T) {
	for _, tc := range []struct {
		in   []Security
		want Security
	}{
		{nil, Indeterminate},
		{[]Security{Secure}, Secure},
		{[]Security{Secure, Insecure}, Insecure},
		{[]Security{Insecure, Secure}, Insecure},
		{[]Security{Secure, Indeterminate, Insecure}, Indeterminate},
		{[]Security{Bogus, Secure}, Bogus},
		{[]Security{Indeterminate, Bogus}, Bogus},
		{[]Security{Secure, Security(42)}, Security(42)},
	} {
		if got := Weakest(tc.in...); got != tc.want {
			t.Errorf("Weakest(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
