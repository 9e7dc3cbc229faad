"""The Python side of the correlation id example: reports the id each call arrived with."""
import sys

import Pyro5.api
from Pyro5.api import current_context


@Pyro5.api.expose
class Tracer:
    def whoami(self):
        return "call with correlation id %s" % current_context.correlation_id


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9997
    daemon = Pyro5.api.Daemon(host="localhost", port=port)
    uri = daemon.register(Tracer, "example.tracer")
    print("Ready. Object uri =", uri, flush=True)
    daemon.requestLoop()


if __name__ == "__main__":
    main()
