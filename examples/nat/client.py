"""Calls the NAT example's object through each URI given (the external one goes through the router).

Run: python examples/nat/client.py PYRO:example.nat@localhost:5555 [more URIs]
"""
import sys

import Pyro5.api

for uri in sys.argv[1:]:
    with Pyro5.api.Proxy(uri) as greeter:
        print("%s: %s" % (uri, greeter.hello("python")))
