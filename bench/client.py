"""The Python benchmark client: measures one server and prints one JSON object of figures.

Usage: python client.py <uri> <seconds>
"""
import json
import multiprocessing
import sys
import threading
import time

import serpent

import Pyro5.api

# 10 MB results and uploads timed together, after one untimed call of each.
TRANSFERS = 5

uri, seconds = sys.argv[1], float(sys.argv[2])
out = {}
for serializer in ("serpent", "json", "marshal", "msgpack"):
    Pyro5.api.config.SERIALIZER = serializer
    with Pyro5.api.Proxy(uri) as p:
        p.echo(42)
        lat = []
        start = time.perf_counter()
        end = start + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            p.echo(42)
            lat.append(time.perf_counter() - t)
        out["seq_" + serializer] = len(lat) / (time.perf_counter() - start)
        lat.sort()
        out["p50_%s_us" % serializer] = lat[len(lat) // 2] * 1e6
        out["p99_%s_us" % serializer] = lat[int(len(lat) * 0.99)] * 1e6
        if serializer != "marshal":  # Python's marshal client cannot send batches
            done, start = 0, time.perf_counter()
            while time.perf_counter() < start + seconds:
                b = Pyro5.api.BatchProxy(p)
                for i in range(1000):
                    b.echo(i)
                list(b())
                done += 1000
            out["batch_" + serializer] = done / (time.perf_counter() - start)
        if serializer != "json":
            base10 = p.window_start_mb()
            # One call first, untimed (the first 10 MB of a kind costs more), then TRANSFERS timed.
            p.blob_bytes(10_000_000)
            start = time.perf_counter()
            size = 0
            for _ in range(TRANSFERS):
                r = p.blob_bytes(10_000_000)
                size += len(serpent.tobytes(r) if isinstance(r, dict) else r)
            out["blob10mb_%s_MBps" % serializer] = size / 1e6 / (time.perf_counter() - start)
            data = b"u" * 10_000_000
            p.upload(data)
            start = time.perf_counter()
            for _ in range(TRANSFERS):
                p.upload(data)
            out["upload10mb_%s_MBps" % serializer] = TRANSFERS * 10 / (time.perf_counter() - start)
            # The daemon's memory over its baseline during the 10 MB results and uploads, and the stream.
            out["mem10mb_%s_MB" % serializer] = p.window_peak_mb() - base10
            base50 = p.window_start_mb()
            start, size = time.perf_counter(), 0
            for chunk in p.chunks_bytes(50_000_000, 200_000):
                size += len(serpent.tobytes(chunk) if isinstance(chunk, dict) else chunk)
            out["stream50mb_%s_MBps" % serializer] = size / 1e6 / (time.perf_counter() - start)
            out["mem50mb_%s_MB" % serializer] = p.window_peak_mb() - base50
Pyro5.api.config.SERIALIZER = "msgpack"
with Pyro5.api.Proxy(uri) as p:
    p.reset()
    n = 20000
    start = time.perf_counter()
    for i in range(n):
        p.oneway_hit(i)
    while p.hits() < n:
        time.sleep(0.001)
    out["oneway_executed"] = n / (time.perf_counter() - start)
done, start = 0, time.perf_counter()
while time.perf_counter() < start + seconds:
    with Pyro5.api.Proxy(uri) as p:
        p.echo(1)
    done += 1
out["connect_call_close"] = done / (time.perf_counter() - start)

def aggregate_worker(threads, start_at, stop_at, results):
    """One process of the aggregate measurement: `threads` clients calling from start_at to stop_at."""
    counts = [0] * threads
    go = threading.Event()

    def client(i):
        with Pyro5.api.Proxy(uri) as p:
            p._pyroBind()
            go.wait()
            while time.time() < stop_at:
                p.echo(42)
                counts[i] += 1

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    time.sleep(max(0.0, start_at - time.time()))
    go.set()
    for w in workers:
        w.join()
    results.put(sum(counts))


# Aggregate rate: Python clients spread over processes (one process is held back by its GIL).
for clients in (10, 100, 1000):
    procs_n = {10: 2, 100: 4, 1000: 8}[clients]
    results = multiprocessing.Queue()
    # Time to start the processes and connect every client.
    start_at = time.time() + (4 if clients == 1000 else 1)
    stop_at = start_at + seconds
    procs = [multiprocessing.Process(target=aggregate_worker,
                                     args=(clients // procs_n, start_at, stop_at, results))
             for _ in range(procs_n)]
    for pr in procs:
        pr.start()
    total = sum(results.get() for _ in procs)
    for pr in procs:
        pr.join()
    out["aggregate_%d_clients" % clients] = total / seconds
with Pyro5.api.Proxy(uri) as p:
    out["daemon_peak_rss_MB"] = p.peak_rss_mb()
print(json.dumps(out))
