"""Name server lookups per second from one Python client: ns_lookups.py <ns uri> <seconds>."""
import json
import sys
import time

import Pyro5.api

with Pyro5.api.Proxy(sys.argv[1]) as ns:
    seconds = float(sys.argv[2])
    ns.lookup("bench.target")
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        ns.lookup("bench.target")
        n += 1
    print(json.dumps({"ns_lookups": n / (time.perf_counter() - start)}))
