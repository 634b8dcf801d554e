// Package txtrec reads the tag-value TXT records that MTA-STS (RFC 8461
// §3.1, "_mta-sts") and TLS-RPT (RFC 8460 §3, "_smtp._tls") publish: a
// version tag such as "v=STSv1" or "v=TLSRPTv1", then key=value fields
// separated by ";". Both RFCs share the grammar and the lookup rules (the
// record may sit behind a CNAME, its strings are concatenated, records of
// other protocols at the same name are discarded), so packages mtasts and
// tlsrpt read them through this one package.
package txtrec
