"""Calls an object on the IPv6 loopback, and shows how a URI with an IPv6 address parses, as client.ts.

Run: deno run -A examples/ipv6/server.ts 9160 &
     python examples/ipv6/client.py "PYRO:example.ipv6@[::1]:9160"
"""
import re
import sys

import Pyro5.api

uri = Pyro5.api.URI(sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.ipv6@[::1]:9160")
print("host %s (no brackets), port %d, shown as %s" % (uri.host, uri.port, uri))
with Pyro5.api.Proxy(uri) as where:
    print(re.sub(r"\d+$", "<port>", where.whoami()))
