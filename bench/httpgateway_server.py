"""The Python object behind the HTTP gateway benchmark: `fast()` answers at once, `slow()` after
2 seconds; a threaded daemon, so that a slow call does not hold up a fast one on the Pyro side.

Usage: python httpgateway_server.py NS_HOST NS_PORT   registers "http.bench", prints "URI <uri>".
"""
import sys
import time

import Pyro5.api

Pyro5.config.SERVERTYPE = "thread"


@Pyro5.api.expose
class Bench:
    def fast(self):
        return "fast"

    def slow(self):
        time.sleep(2)
        return "slow"


daemon = Pyro5.api.Daemon(host="127.0.0.1", port=0)
uri = daemon.register(Bench, "http.bench")
ns = Pyro5.api.locate_ns(sys.argv[1], int(sys.argv[2]))
ns.register("http.bench", uri)
print("URI", uri, flush=True)
daemon.requestLoop()
