"""The Python side of the handshake example: a Pyro5 daemon that wants a token in the handshake.

Run: python examples/handshake/server.py 9180
     deno run -A examples/handshake/client.ts PYRO:example.guarded@localhost:9180
"""
import sys

import Pyro5.api


class TokenDaemon(Pyro5.api.Daemon):
    def validateHandshake(self, conn, data):
        if not isinstance(data, dict) or data.get("token") != "s3cr3t":
            raise ValueError("no valid token")
        conn.user = data.get("user", "?")
        print("accepted", conn.user, flush=True)
        return {"session": "granted", "user": conn.user}

    def clientDisconnect(self, conn):
        print("goodbye", getattr(conn, "user", "?"), flush=True)


@Pyro5.api.expose
class Guarded:
    def secret(self):
        return "the answer is 42"


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9180
    with TokenDaemon(host="localhost", port=port) as daemon:
        uri = daemon.register(Guarded, "example.guarded")
        print("Ready. Object uri =", uri, flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
