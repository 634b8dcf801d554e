// Package testworld builds self-contained test worlds on loopback: a
// signed DNS hierarchy with its own root key behind an upstream that
// answers like a recursive resolver queried with CD=1, SMTP servers per
// scenario, and an HTTPS server for MTA-STS policies, plus the test PKI
// they use. Tests, benchmarks and "daneprobe demo" share it. Nothing in it
// talks to any address outside 127.0.0.0/8 and ::1.
package testworld
