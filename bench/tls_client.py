"""The Python TLS benchmark client: the same figures as tls_client.ts (no pipelining: a Pyro5
proxy has one call in flight). Usage: python tls_client.py <uri> <seconds> [sequential]; SSL from
PYRO_SSL*. With `sequential`, only the sequential calls."""
import json
import sys
import time

import Pyro5.api

uri, seconds = sys.argv[1], float(sys.argv[2])
only_sequential = sys.argv[3:] == ["sequential"]
Pyro5.api.config.SERIALIZER = "msgpack"
out = {}
WARMUP = 1.0
with Pyro5.api.Proxy(uri) as p:
    p.echo(42)
    warm_until = time.perf_counter() + WARMUP  # untimed, as in tls_client.ts
    while time.perf_counter() < warm_until:
        p.echo(42)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        p.echo(42)
        calls += 1
    out["seq_calls"] = calls / (time.perf_counter() - start)
    if only_sequential:
        print(json.dumps(out))
        sys.exit(0)
    size = 10_000_000  # warmed up, then timed for `seconds` (at least three), as in tls_client.ts
    warm_until = time.perf_counter() + WARMUP
    while time.perf_counter() < warm_until:
        p.blob_bytes(size)
    blobs, start = 0, time.perf_counter()
    while blobs < 3 or time.perf_counter() - start < seconds:
        p.blob_bytes(size)
        blobs += 1
    out["blob10mb_MBps"] = blobs * size / 1e6 / (time.perf_counter() - start)
connections, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    with Pyro5.api.Proxy(uri) as fresh:
        fresh.echo(1)
    connections += 1
out["connect_ms"] = (time.perf_counter() - start) * 1000 / connections
print(json.dumps(out))
