"""Python client that hands the TypeScript worker a callback object of its own."""
import sys
import threading

import Pyro5.api


class Callback:
    def __init__(self):
        self.results = []

    @Pyro5.api.expose
    def done(self, job, result):
        self.results.append((job, result))
        print("job %d done: %d" % (job, result), flush=True)


uri = sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.worker@localhost:9101"
daemon = Pyro5.api.Daemon(host="localhost")
callback = Callback()
callback_uri = daemon.register(callback)
threading.Thread(target=daemon.requestLoop, daemon=True).start()
with Pyro5.api.Proxy(uri) as worker:
    count = worker.work(Pyro5.api.Proxy(callback_uri), 3)
print("worker finished %d jobs, %d callbacks received" % (count, len(callback.results)))
daemon.shutdown()
