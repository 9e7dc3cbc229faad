"""The Python side of the NAT example: a Pyro5 daemon behind NAT, as server.ts.

Run: python examples/nat/server.py 5555
     deno run -A examples/nat/router.ts 5555 127.0.0.1:<internal port printed>
     deno run -A examples/nat/client.ts PYRO:example.nat@localhost:5555
"""
import sys

import Pyro5.api


@Pyro5.api.expose
class Greeter:
    def hello(self, name):
        return "hello %s, from a daemon behind NAT" % name


def main():
    natport = int(sys.argv[1]) if len(sys.argv) > 1 else 5555
    with Pyro5.api.Daemon(host="127.0.0.1", port=0, nathost="localhost", natport=natport) as daemon:
        daemon.register(Greeter, "example.nat")
        print("external uri =", daemon.uriFor("example.nat"))
        print("internal uri =", daemon.uriFor("example.nat", nat=False))
        print("nat location = %s, internal location = %s" % (daemon.natLocationStr, daemon.locationStr))
        with Pyro5.api.Daemon(host="127.0.0.1", port=0, nathost="gateway.example.com", natport=0) as same:
            print("natport 0 gives %s for %s" % (same.register(Greeter, "example.nat"), same.locationStr))
        print("Ready.", flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
