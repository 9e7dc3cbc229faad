"""The Python side of the blob dispatch example: the same dispatcher as dispatcher.ts, in Pyro5.

It never deserializes the blobs either: it has no Reading class.
Run: python examples/blob_dispatch/dispatcher.py 9150
     then listeners and producers of either language, as in dispatcher.ts
"""
import sys
import threading

import Pyro5.api


@Pyro5.api.behavior(instance_mode="single")
@Pyro5.api.expose
class Dispatcher:
    def __init__(self):
        self.listeners = {}
        self.lock = threading.Lock()

    def register(self, topic, listener):
        with self.lock:
            self.listeners.setdefault(topic, []).append(listener)
        print("listener for %s: %s" % (topic, listener._pyroUri), flush=True)

    def process_blob(self, blob):
        with self.lock:
            listeners = list(self.listeners.get(blob.info, []))
        print("dispatching a blob on %s" % blob.info, flush=True)
        for listener in listeners:
            # Pyro5 proxies belong to one thread; this call may run in another one each time.
            listener._pyroClaimOwnership()
            listener.process_blob(blob)
        return len(listeners)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9150
    with Pyro5.api.Daemon(host="localhost", port=port) as daemon:
        daemon.register(Dispatcher, "example.blobdispatcher")
        print("Ready. Object uri =", daemon.uriFor("example.blobdispatcher"), flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
