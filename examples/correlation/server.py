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
    Pyro5.api.serve({Tracer: "example.tracer"}, host="localhost", port=port, use_ns=False)


if __name__ == "__main__":
    main()
