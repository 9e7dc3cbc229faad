"""Python Pyro5's name server for the lookup benchmark: prints "NS <uri>"."""
import os
import signal

import Pyro5.nameserver

uri, daemon, _ = Pyro5.nameserver.start_ns(host="127.0.0.1", port=0, enableBroadcast=False)
daemon.nameserver.register("bench.target", "PYRO:bench@127.0.0.1:1")
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
print("NS", uri, flush=True)
daemon.requestLoop()
