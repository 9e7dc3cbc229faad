"""Sends readings to the dispatcher as SerializedBlobs, like producer.ts.

Run: python examples/blob_dispatch/producer.py PYRO:example.blobdispatcher@localhost:9150 weather 21.5
"""
import sys

import Pyro5.api
from reading import Reading


def main():
    uri, topic, *values = sys.argv[1:]
    with Pyro5.api.Proxy(uri) as dispatcher:
        for value in values:
            # The blob's data takes the place of the call's arguments, hence the list.
            blob = Pyro5.api.SerializedBlob(topic, [Reading("python", topic, float(value))])
            print("sent %s on %s to %d listeners" % (value, topic, dispatcher.process_blob(blob)))


if __name__ == "__main__":
    main()
