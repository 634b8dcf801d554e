// Package names turns the domain names people type into the form that goes
// on the wire, and says plainly what is wrong with those it cannot use.
//
// Every command of daneprobe takes domain names: the recipient domain of
// check, the lines of a scan list, the owner name of lookup, the MX host of
// tlsa --host. They all go through this package, so that each command
// accepts the same input and refuses the rest with the same message.
//
// What ParseDomain accepts, and what it does with it:
//
//   - Upper and lower case are the same name (RFC 4343); the result is
//     lower case.
//   - One trailing dot (the absolute form, "example.org.") is dropped.
//   - International names (U-labels such as "bücher.example") are converted
//     to A-labels ("xn--bcher-kva.example") with the IDNA lookup rules of
//     UTS #46, as mail software does before it asks the DNS (RFC 5890,
//     RFC 6531 §3.2). An A-label that does not decode is refused.
//   - Labels are letters, digits and hyphens, not starting or ending with
//     a hyphen (the "Domain" of RFC 5321 §4.1.2), at most 63 octets each,
//     at most 253 octets in all (RFC 1035 §2.3.4), and a mail domain has at
//     least two labels.
//
// It refuses, with a hint where one helps: an email address
// ("user@example.org": did you mean example.org?), a URL, an address
// literal, empty labels, spaces and other characters.
//
// ParseName is the looser form for DNS owner names (the lookup command):
// it also accepts underscore labels such as "_25._tcp", single labels and
// the root. Fold is the comparison form of a name that came from the DNS,
// a certificate or a policy rather than from a person.
package names
