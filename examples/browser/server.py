"""The Python side of the browser example: an object registered in the name server as
example.browser, for the page that the gateway serves (see README.md, "Pyro in the browser")."""
import sys
import time

import Pyro5.api


@Pyro5.api.expose
class Demo:
    def hello(self, name):
        return f"Hello {name}, from Python"

    def countdown(self, n):
        # A generator: the page receives the items one by one, as they are made.
        for i in range(n, 0, -1):
            time.sleep(0.05)
            yield i

    def fail(self, what):
        raise ValueError(f"refusing {what}")


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "example.browser"
    daemon = Pyro5.api.Daemon(host="127.0.0.1")
    uri = daemon.register(Demo)
    with Pyro5.api.locate_ns() as ns:
        ns.register(name, uri)
    print("demo uri:", uri, flush=True)
    daemon.requestLoop()


if __name__ == "__main__":
    main()
