"""Python client that sends the secret in its handshake, and one that does not."""
import sys

import Pyro5.api
import Pyro5.errors

uri = sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.secure@localhost:9103"


class Client(Pyro5.api.Proxy):
    def _pyroValidateHandshake(self, response):
        print("server said:", response)


with Client(uri) as vault:
    vault._pyroHandshake = {"secret": "sesame", "user": "alice"}
    print(vault.open())
with Pyro5.api.Proxy(uri) as intruder:
    intruder._pyroHandshake = {"secret": "guess"}
    try:
        intruder.open()
    except Pyro5.errors.CommunicationError as e:
        print("intruder refused:", str(e).split("rejected: ")[1])
