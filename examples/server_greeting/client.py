"""Python client of the TypeScript greeting server."""
import sys

import Pyro5.api

uri = sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.greeting@localhost:9100"
name = sys.argv[2] if len(sys.argv) > 2 else "Alice"
with Pyro5.api.Proxy(uri) as greeter:
    print(greeter.get_fortune(name))
    print(greeter.greet(name, greeting="Hi"))
    print(greeter.greet(name=name))
    print(greeter.card(name, "Happy birthday", border="*", color="red"))
    try:
        greeter.greet(name, nickname="B")
    except TypeError as e:
        print("TypeError:", e)
