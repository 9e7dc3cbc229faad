"""Python client iterating the TypeScript server's generators."""
import sys

import Pyro5.api

uri = sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.sensors@localhost:9102"
with Pyro5.api.Proxy(uri) as sensors:
    for reading in sensors.readings(3):
        print("reading", reading["index"], reading["celsius"])
    print("countdown", list(sensors.countdown(5)))
