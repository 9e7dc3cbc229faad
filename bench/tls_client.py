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
    size = 10_000_000
    p.blob_bytes(size)
    start = time.perf_counter()
    for _ in range(5):
        p.blob_bytes(size)
    out["blob10mb_MBps"] = 5 * size / 1e6 / (time.perf_counter() - start)
connections, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    with Pyro5.api.Proxy(uri) as fresh:
        fresh.echo(1)
    connections += 1
out["connect_ms"] = (time.perf_counter() - start) * 1000 / connections
print(json.dumps(out))
