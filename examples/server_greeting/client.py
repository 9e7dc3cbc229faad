"""Python client of the TypeScript greeting server."""
import sys

import Pyro5.api

uri = sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.greeting@localhost:9100"
name = sys.argv[2] if len(sys.argv) > 2 else "Alice"
with Pyro5.api.Proxy(uri) as greeter:
    print(greeter.get_fortune(name))
