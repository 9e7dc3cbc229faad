"""Two Python clients show what each instance mode of the TypeScript server does."""
import sys

import Pyro5.api

location = sys.argv[1] if len(sys.argv) > 1 else "localhost:9104"
for mode in ("single", "session", "percall"):
    uri = "PYRO:example.%s@%s" % (mode, location)
    with Pyro5.api.Proxy(uri) as a, Pyro5.api.Proxy(uri) as b:
        print(mode, [a.incr(), a.incr(), b.incr()])
