"""The Python benchmark server, the same object as bench_server.ts.

Usage: python bench_server.py [port]   prints "URI PYRO:bench@127.0.0.1:PORT" when ready.
"""
import os
import resource
import signal
import sys
import threading
import time

import Pyro5.api


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
window_peak = 0


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


window_open = threading.Event()


def sample_rss():
    """Samples the RSS every 5 ms while a memory window is open, as bench_server.ts does
    (ru_maxrss cannot be reset); idle otherwise, so that it does not disturb call rates."""
    global window_peak
    while True:
        window_open.wait()
        window_peak = max(window_peak, rss_bytes())
        time.sleep(0.005)


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

    def window_start_mb(self):
        """Starts a memory window: returns the RSS now (MB); window_peak_mb() gives the peak since."""
        global window_peak
        window_peak = rss_bytes()
        window_open.set()
        return window_peak / 1e6

    def window_peak_mb(self):
        """Ends the window: the peak RSS since window_start_mb() (MB)."""
        global window_peak
        window_open.clear()
        window_peak = max(window_peak, rss_bytes())
        return window_peak / 1e6

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
threading.Thread(target=sample_rss, daemon=True).start()
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
print("URI", uri, flush=True)
daemon.requestLoop()
