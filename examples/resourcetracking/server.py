"""The Python side of the resource tracking example: the same service as server.ts, in Pyro5.

Run: python examples/resourcetracking/server.py 9140
     deno run -A examples/resourcetracking/client.ts localhost:9140 vanish
     deno run -A examples/resourcetracking/client.ts localhost:9140 list
"""
import sys

import Pyro5.api
from Pyro5.api import current_context


class Resource:
    def __init__(self, name, pool):
        self.name, self.pool = name, pool

    def close(self):
        print("closing resource", self.name, flush=True)
        self.pool.discard(self)


@Pyro5.api.behavior(instance_mode="single")
@Pyro5.api.expose
class Service:
    def __init__(self):
        self.resources = set()

    def allocate(self, name):
        resource = Resource(name, self.resources)
        self.resources.add(resource)
        current_context.track_resource(resource)
        # Remember the address now: at disconnect time the socket may be gone (getpeername fails).
        current_context.client.peer = "%s:%d" % tuple(current_context.client_sock_addr[:2])
        print("allocated %s for %s" % (name, current_context.client.peer), flush=True)

    def free(self, name):
        for r in [r for r in self.resources if r.name == name]:
            r.close()
            current_context.untrack_resource(r)

    def list(self):
        return sorted(r.name for r in self.resources)


class TrackingDaemon(Pyro5.api.Daemon):
    def clientDisconnect(self, conn):
        # Pyro5 calls this before it closes what the connection still tracks.
        still = sorted(r.name for r in conn.tracked_resources)
        print("client %s disconnected, still tracking %s" % (getattr(conn, "peer", "?"), still), flush=True)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9140
    with TrackingDaemon(host="localhost", port=port) as daemon:
        daemon.register(Service, "example.resources")
        print("Ready. Object uri =", daemon.uriFor("example.resources"), flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
