package names_test

import (
	"fmt"

	"github.com/daneprobe/daneprobe/names"
)

func ExampleParseDomain() {
	for _, in := range []string{"Bücher.Example.", "user@example.org", "exa mple.org"} {
		d, err := names.ParseDomain(in)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(d)
	}
	// Output:
	// xn--bcher-kva.example
	// "user@example.org" is not a domain name: an email address; did you mean example.org?
	// "exa mple.org" is not a domain name: character ' ' is not allowed; a domain name has letters, digits, hyphens and dots
}
