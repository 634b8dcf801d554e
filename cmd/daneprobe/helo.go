package main

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// checkHELO refuses an EHLO name a server would reject or misread: RFC
// 5321 §4.1.1.1 wants a domain name or an address literal ("[192.0.2.1]",
// "[IPv6:2001:db8::1]"). Empty means the default, which is always valid.
func checkHELO(name string) error {
	if name == "" {
		return nil
	}
	if lit, ok := strings.CutPrefix(name, "["); ok {
		lit, ok = strings.CutSuffix(lit, "]")
		lit, v6 := strings.CutPrefix(lit, "IPv6:")
		if a, err := netip.ParseAddr(lit); ok && err == nil && a.Is6() == v6 && a.Zone() == "" {
			return nil
		}
		return usageErrorf("--helo %q: want a domain name or an address literal such as [192.0.2.1] or [IPv6:2001:db8::1]", name)
	}
	if _, ok := dns.IsDomainName(name); !ok || strings.Trim(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz0123456789-.") != "" || strings.Trim(name, ".") == "" {
		return usageErrorf("--helo %q: want a domain name (letters, digits, hyphens and dots) or an address literal such as [192.0.2.1]", name)
	}
	return nil
}
