// Package mailauth judges a domain's mail-authentication posture: SPF
// (RFC 7208), DMARC (RFC 7489) and DKIM keys (RFC 6376, RFC 8301, RFC
// 8463), and what a Microsoft 365 (Exchange Online) tenant still needs,
// including inbound DANE.
//
// Every lookup goes through daneprobe's validating resolver, so every
// record carries its DNSSEC status (secure, insecure, bogus,
// indeterminate). A bogus or failed lookup is a temperror, never a
// verdict about the record.
//
// SPF. The record is the one TXT record at the domain that starts with
// "v=spf1". A receiver evaluates it for the connecting IP address and
// stops at the first mechanism that matches; to judge the record without
// an IP, AnalyzeSPF walks every term of the whole include/redirect tree
// and counts what an evaluation reaching every term costs: at most 10
// terms that cause DNS lookups (include, a, mx, ptr, exists, redirect)
// and at most 2 lookups that find nothing, or the result is permerror
// (RFC 7208 §4.6.4). CheckHost is check_host() for one IP and sender,
// with the path of terms that decided it. Macros (§7) are expanded when
// the sender is known; without one, terms that need it are reported as
// depending on the sender and not followed.
package mailauth
