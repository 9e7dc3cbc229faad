"""The Python side of the greeting example: a Pyro5 server registered in a name server.

Run a name server first (python -m Pyro5.nameserver), then this, then client.ts.
"""
import Pyro5.api


@Pyro5.api.expose
class GreetingMaker:
    def get_fortune(self, name):
        return "Hello, {0}. Here is your fortune message:\nTomorrow's lucky number is 12345678.".format(name)


def main():
    daemon = Pyro5.api.Daemon()
    uri = daemon.register(GreetingMaker)
    with Pyro5.api.locate_ns() as ns:
        ns.register("example.greeting", uri)
    print("Ready. Object uri =", uri, flush=True)
    daemon.requestLoop()


if __name__ == "__main__":
    main()
