package testworld

import "testing"

// TestSignAll: after SignAll every RRset a zone signs carries its RRSIGs
// already, and answers still validate (the signatures are the ones lazy
// signing would have made: TestStartDNS's checks run on the same world).
func TestSignAll(t *testing.T) {
	d, err := StartDNS(DNSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	unsigned := func() (n, signed int) {
		for _, z := range d.world.zones {
			for _, nd := range z.nodes {
				for _, s := range nd.sets {
					if s.signed {
						signed++
						if len(s.sigs) == 0 {
							n++
						}
					}
				}
			}
		}
		return n, signed
	}
	if n, total := unsigned(); n == 0 || total == 0 {
		t.Fatalf("%d of %d signed RRsets without RRSIGs before SignAll: the test proves nothing", n, total)
	}
	if err := d.SignAll(); err != nil {
		t.Fatal(err)
	}
	if n, total := unsigned(); n != 0 {
		t.Errorf("%d of %d signed RRsets still without RRSIGs", n, total)
	}
}
