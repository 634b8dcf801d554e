package interop

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/miekg/dns"
)

// signer names the independent tool that signs a zone.
type signer string

const (
	bindSigner signer = "dnssec-signzone"
	ldnsSigner signer = "ldns-signzone"
	noSigner   signer = "" // an unsigned zone
)

// window is a zone's signature validity window.
type window int

const (
	windowNow     window = iota // inception an hour ago, expiration in 30 days
	windowExpired               // inception 30 days ago, expiration 3 days ago
	windowFuture                // inception in 3 days, expiration in 30 days
)

// zoneSpec describes one zone of the interop world.
type zoneSpec struct {
	name   string // fully qualified, lower case
	parent string // "" for the root
	tmpl   string // template file under testdata/interop
	signer signer
	alg    string // algorithm mnemonic, as both keygens spell it
	split  bool   // separate KSK and ZSK (else one key signs everything)
	nsec3  bool   // NSEC3 instead of NSEC
	optOut bool   // NSEC3 opt-out: unsigned delegations get no NSEC3
	// iterations and salt are the NSEC3 parameters; zero values mean 0
	// extra iterations (RFC 9276 §3.1) and a short salt.
	iterations int
	salt       string
	window     window
	// wrongDS publishes at the parent the DS of a key the zone does not
	// use, so the chain breaks at the delegation.
	wrongDS bool
	// dsDigest, when set, rewrites the digest type of the published DS
	// (a SHA-256 one) to this value, to model an unsupported digest.
	dsDigest uint8
	// lines are extra zone-file lines for the template.
	lines []string
	// bits is the RSA modulus length (default 1024); ldns-keygen makes
	// the 512-bit keys crypto/rsa refuses and dnssec-keygen will not.
	bits int
	// exponent, when set, is the RSA public exponent of the zone's keys,
	// which are then made by writeRSAKey instead of the signer's keygen
	// (neither makes one above 65537).
	exponent *big.Int
}

// zoneKeys are the keys made for one zone.
type zoneKeys struct {
	dir   string   // directory holding the key files
	files []string // key base names (Kname.+alg+tag), KSK first
	ds    []string // DS records for the parent, in zone-file syntax
}

// zoneData is what the zone templates see.
type zoneData struct {
	Name     string
	Lines    []string
	Children []string
	ds       map[string][]string
}

// DS returns the DS records to publish for child.
func (z zoneData) DS(child string) []string { return z.ds[child] }

// signedZone is a zone ready for the authoritative server.
type signedZone struct {
	spec zoneSpec
	file string // the zone file NSD loads (signed, or plain when unsigned)
	keys *zoneKeys
}

// buildZones makes keys for every signed zone, renders every zone from
// its template with its children's DS records and signs it with its
// signer. Independent steps run concurrently, a few processes at a time.
func buildZones(ctx context.Context, tb *toolbox, dir, tmplDir string, specs []zoneSpec, now time.Time) (map[string]*signedZone, error) {
	out := map[string]*signedZone{}
	for _, s := range specs {
		out[s.name] = &signedZone{spec: s}
	}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	runAll := func(step string, fn func(z *signedZone) error) error {
		var wg sync.WaitGroup
		var errs []error
		for _, z := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if err := fn(z); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s %s: %w", step, z.spec.name, err))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			return errs[0]
		}
		return nil
	}

	// 1. Keys and DS records.
	if err := runAll("keys for", func(z *signedZone) error {
		if z.spec.signer == noSigner {
			return nil
		}
		k, err := makeKeys(ctx, tb, filepath.Join(dir, "keys", fileName(z.spec.name)), z.spec)
		z.keys = k
		return err
	}); err != nil {
		return nil, err
	}

	// 2. Zone files, each with its children's DS records.
	ds := map[string][]string{}
	children := map[string][]string{}
	for _, z := range out {
		if z.spec.parent == "" {
			continue
		}
		children[z.spec.parent] = append(children[z.spec.parent], z.spec.name)
		if z.keys != nil {
			ds[z.spec.name] = z.keys.ds
		}
	}
	for _, z := range out {
		t, err := template.ParseFiles(filepath.Join(tmplDir, z.spec.tmpl))
		if err != nil {
			return nil, fmt.Errorf("zone template for %s: %w", z.spec.name, err)
		}
		kids := children[z.spec.name]
		slices.Sort(kids)
		var b bytes.Buffer
		if err := t.Execute(&b, zoneData{Name: z.spec.name, Lines: z.spec.lines, Children: kids, ds: ds}); err != nil {
			return nil, fmt.Errorf("render zone %s: %w", z.spec.name, err)
		}
		z.file = filepath.Join(dir, "zones", fileName(z.spec.name)+".zone")
		if err := os.MkdirAll(filepath.Dir(z.file), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(z.file, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}

	// 3. Signatures.
	if err := runAll("sign", func(z *signedZone) error {
		if z.spec.signer == noSigner {
			return nil
		}
		signed, err := signZone(ctx, tb, z, now)
		z.file = signed
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// fileName turns a zone name into a file name ("." is "root").
func fileName(zone string) string {
	if zone == "." {
		return "root"
	}
	return strings.TrimSuffix(zone, ".")
}

// keyBits is the key size to ask for: RSA needs one (1024 bits keeps key
// generation fast on a busy machine; validators accept it), the others
// ignore it.
func keyBits(s zoneSpec) []string {
	if !strings.HasPrefix(s.alg, "RSA") {
		return nil
	}
	if s.bits != 0 {
		return []string{"-b", strconv.Itoa(s.bits)}
	}
	return []string{"-b", "1024"}
}

// makeKeys generates the zone's keys with the signer's own key generator
// and computes the DS records with the same tool family.
func makeKeys(ctx context.Context, tb *toolbox, kd string, s zoneSpec) (*zoneKeys, error) {
	if err := os.MkdirAll(kd, 0o755); err != nil {
		return nil, err
	}
	k := &zoneKeys{dir: kd}
	gen := func(ksk bool) (string, error) {
		var out string
		var err error
		if s.exponent != nil {
			bits := 1024
			if s.bits != 0 {
				bits = s.bits
			}
			return writeRSAKey(kd, s.name, dns.StringToAlgorithm[s.alg], bits, s.exponent, ksk)
		}
		if s.signer == bindSigner {
			args := append([]string{"-q", "-K", kd, "-a", s.alg, "-n", "ZONE", "-L", "300"}, keyBits(s)...)
			if ksk {
				args = append(args, "-f", "KSK")
			}
			out, err = tb.run(ctx, kd, "dnssec-keygen", append(args, s.name)...)
		} else {
			args := append([]string{"-a", s.alg}, keyBits(s)...)
			if ksk {
				args = append(args, "-k")
			}
			out, err = tb.run(ctx, kd, "ldns-keygen", append(args, s.name)...)
		}
		return strings.TrimSpace(out), err
	}
	dsOf := func(base string) ([]string, error) {
		var out string
		var err error
		if s.signer == bindSigner {
			out, err = tb.run(ctx, kd, "dnssec-dsfromkey", "-2", base+".key")
		} else {
			out, err = tb.run(ctx, kd, "ldns-key2ds", "-n", "-2", base+".key")
		}
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, ";") {
				lines = append(lines, l)
			}
		}
		if err == nil && len(lines) == 0 {
			err = fmt.Errorf("no DS record from %s", base)
		}
		return lines, err
	}
	ksk, err := gen(true)
	if err != nil {
		return nil, err
	}
	k.files = append(k.files, ksk)
	if s.split {
		zsk, err := gen(false)
		if err != nil {
			return nil, err
		}
		k.files = append(k.files, zsk)
	}
	dsKey := ksk
	if s.wrongDS {
		// A key of the right algorithm that never signs anything.
		other, err := gen(true)
		if err != nil {
			return nil, err
		}
		dsKey = other
	}
	if k.ds, err = dsOf(dsKey); err != nil {
		return nil, err
	}
	if s.dsDigest != 0 {
		for i, l := range k.ds {
			// owner [ttl] [class] DS tag alg digesttype digest
			f := strings.Fields(l)
			for j := range f {
				if strings.EqualFold(f[j], "DS") && j+3 < len(f) {
					f[j+3] = strconv.Itoa(int(s.dsDigest))
				}
			}
			k.ds[i] = strings.Join(f, " ")
		}
	}
	return k, nil
}

// sigTimes returns the inception and expiration for a window, in the
// YYYYMMDDHHMMSS form both signers accept.
func sigTimes(w window, now time.Time) (string, string) {
	const f = "20060102150405"
	day := 24 * time.Hour
	switch w {
	// Validators allow some clock skew: daneprobe five minutes, Unbound
	// a tenth of the validity period capped at a day (val-sig-skew-max),
	// so the broken windows miss "now" by three days.
	case windowExpired:
		return now.Add(-30 * day).UTC().Format(f), now.Add(-3 * day).UTC().Format(f)
	case windowFuture:
		return now.Add(3 * day).UTC().Format(f), now.Add(30 * day).UTC().Format(f)
	}
	return now.Add(-time.Hour).UTC().Format(f), now.Add(30 * day).UTC().Format(f)
}

// signZone signs z.file and returns the signed file's path.
func signZone(ctx context.Context, tb *toolbox, z *signedZone, now time.Time) (string, error) {
	s, k := z.spec, z.keys
	out := z.file + ".signed"
	start, end := sigTimes(s.window, now)
	salt, iter := "a1b2c3d4", strconv.Itoa(s.iterations)
	if s.salt != "" {
		salt = s.salt
	}
	if s.signer == bindSigner {
		// dnssec-signzone wants the DNSKEYs in the zone itself.
		zone, err := os.ReadFile(z.file)
		if err != nil {
			return "", err
		}
		for _, f := range k.files {
			key, err := os.ReadFile(filepath.Join(k.dir, f+".key"))
			if err != nil {
				return "", err
			}
			zone = append(zone, key...)
		}
		if err := os.WriteFile(z.file, zone, 0o644); err != nil {
			return "", err
		}
		args := []string{"-q", "-K", k.dir, "-d", k.dir, "-o", s.name, "-f", out, "-s", start, "-e", end}
		if !s.split {
			args = append(args, "-z") // the one key signs every RRset
		}
		if s.nsec3 {
			args = append(args, "-3", salt, "-H", iter)
			if s.optOut {
				args = append(args, "-A")
			}
		}
		if s.window != windowNow {
			args = append(args, "-P") // its own post-signing check would reject the window
		}
		args = append(args, z.file)
		for _, f := range k.files {
			args = append(args, filepath.Join(k.dir, f))
		}
		_, err = tb.run(ctx, k.dir, "dnssec-signzone", args...)
		return out, err
	}
	args := []string{"-f", out, "-i", start, "-e", end}
	if s.nsec3 {
		args = append(args, "-n", "-s", salt, "-t", iter)
		if s.optOut {
			args = append(args, "-p")
		}
	}
	args = append(args, z.file)
	for _, f := range k.files {
		args = append(args, filepath.Join(k.dir, f))
	}
	_, err := tb.run(ctx, k.dir, "ldns-signzone", args...)
	return out, err
}

// trustAnchor returns the root's DS records, the trust anchor of every
// validator in the world.
func trustAnchor(zones map[string]*signedZone) ([]string, error) {
	root := zones["."]
	if root == nil || root.keys == nil {
		return nil, fmt.Errorf("no signed root zone")
	}
	return root.keys.ds, nil
}
