"""Serializer speed of Python Pyro5: dumps+loads of a 1000-entry dict, MB/s of serialized data."""
import json
import sys
import time

from Pyro5 import serializers

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
value = {"key%d" % i: {"n": i, "f": i / 3, "s": "value number %d" % i, "l": [i, i + 1, True, None]} for i in range(1000)}
out = {}
for name in ("serpent", "json", "marshal", "msgpack"):
    s = serializers.serializers[name]
    size = len(s.dumps(value))
    rounds, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.loads(s.dumps(value))
        rounds += 1
    out["ser_%s_MBps" % name] = rounds * size / 1e6 / (time.perf_counter() - start)
print(json.dumps(out))
