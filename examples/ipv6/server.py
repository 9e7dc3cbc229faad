"""The Python side of the IPv6 example: a Pyro5 daemon on ::1, as server.ts.

Run: python examples/ipv6/server.py 9160
     deno run -A examples/ipv6/client.ts "PYRO:example.ipv6@[::1]:9160"
"""
import sys

import Pyro5.api
from Pyro5.api import current_context


@Pyro5.api.expose
class Where:
    def whoami(self):
        host, port = current_context.client_sock_addr[:2]
        return "you are [%s]:%d" % (host, port)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9160
    with Pyro5.api.Daemon(host="::1", port=port) as daemon:
        daemon.register(Where, "example.ipv6")
        print("location", daemon.locationStr)
        print("Ready. Object uri =", daemon.uriFor("example.ipv6"), flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
