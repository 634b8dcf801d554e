#!/usr/bin/python3
"""check_host() by pyspf (python3-spf) for the interop test of package
mailauth: argv[1] is the DNS server as HOST:PORT; stdin holds one case
per line, "IP SENDER DOMAIN"; stdout one line per case: "RESULT LOOKUPS".
Only the given server is asked (never /etc/resolv.conf)."""
import sys

import spf

host, port = sys.argv[1].rsplit(":", 1)
try:
    import dns.resolver  # dnspython, when pyspf uses it
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [host]
    r.port = int(port)
    r.lifetime = 10
    dns.resolver.default_resolver = r
except ImportError:
    pass
import DNS  # pydns, pyspf's other back end (python3-dns)
DNS.defaults["server"] = [host]
DNS.defaults["port"] = int(port)

for line in sys.stdin:
    ip, sender, domain = line.split()
    q = spf.query(i=ip, s=sender, h=domain, strict=True)
    res, _code, _expl = q.check()
    print(res, q.lookups, flush=True)
