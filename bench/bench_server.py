"""The Python benchmark server, the same object as bench_server.ts.

Usage: python bench_server.py [port]   prints "URI PYRO:bench@127.0.0.1:PORT" when ready.
"""
import os
import resource
import signal
import sys

import Pyro5.api


@Pyro5.api.behavior(instance_mode="single")
@Pyro5.api.expose
class Bench:
    def __init__(self):
        self._hits = 0

    def echo(self, value):
        return value

    @Pyro5.api.oneway
    def oneway_hit(self, value):
        self._hits += 1

    def hits(self):
        return self._hits

    def reset(self):
        self._hits = 0

    def peak_rss_mb(self):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def blob_str(self, size):
        return "x" * size

    def blob_bytes(self, size):
        return b"a" * size

    def upload(self, data):
        return len(data)

    def chunks_str(self, total, chunksize):
        chunk = "x" * chunksize
        for _ in range(0, total, chunksize):
            yield chunk

    def chunks_bytes(self, total, chunksize):
        chunk = b"b" * chunksize
        for _ in range(0, total, chunksize):
            yield chunk


Pyro5.api.config.SERVERTYPE = "multiplex" if "--multiplex" in sys.argv else "thread"
# The default pool (80 threads) refuses the 100- and 1000-client measurements outright.
Pyro5.api.config.THREADPOOL_SIZE = 1200
daemon = Pyro5.api.Daemon(host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)
uri = daemon.register(Bench, "bench")
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
print("URI", uri, flush=True)
daemon.requestLoop()
