"""Registers with the dispatcher for a topic and deserializes the blobs that arrive, like listener.ts.

Run: python examples/blob_dispatch/listener.py PYRO:example.blobdispatcher@localhost:9150 weather [COUNT]
"""
import sys
import threading

import Pyro5.api
import reading  # noqa: F401  (registers the Reading class with the serializers)


class Listener:
    def __init__(self, count, daemon):
        self.left, self.daemon = count, daemon

    @Pyro5.api.expose
    def process_blob(self, blob):
        (data,) = blob.deserialized()
        print("python listener on %s got %s" % (blob.info, data), flush=True)
        self.left -= 1
        if self.left == 0:
            threading.Timer(0.01, self.daemon.shutdown).start()  # after this reply is sent


def main():
    uri, topic = sys.argv[1:3]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    with Pyro5.api.Daemon(host="localhost") as daemon:
        listener = Listener(count, daemon)
        daemon.register(listener)
        with Pyro5.api.Proxy(uri) as dispatcher:
            dispatcher.register(topic, listener)
        print("Ready. python listener on", topic, flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
