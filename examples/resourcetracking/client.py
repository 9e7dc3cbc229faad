"""The Python side of the resource tracking example.

Run: deno run -A examples/resourcetracking/server.ts 9140 &
     python examples/resourcetracking/client.py localhost:9140 clean    (frees what it allocated)
     python examples/resourcetracking/client.py localhost:9140 vanish   (exits without freeing)
     python examples/resourcetracking/client.py localhost:9140 list     (what is allocated now)
"""
import os
import sys

import Pyro5.api


def main():
    location = sys.argv[1] if len(sys.argv) > 1 else "localhost:9140"
    mode = sys.argv[2] if len(sys.argv) > 2 else "clean"
    service = Pyro5.api.Proxy("PYRO:example.resources@" + location)
    if mode == "list":
        print("allocated:", service.list())
        return
    tag = str(os.getpid())
    service.allocate("a-" + tag)
    service.allocate("b-" + tag)
    print("allocated 2 resources, the server now has", len(service.list()))
    if mode == "vanish":
        # As if the process were killed: no free(), no close(); the OS drops the connection.
        sys.stdout.flush()
        os._exit(0)
    service.free("a-" + tag)
    service.free("b-" + tag)
    print("freed them, the server now has", len(service.list()))
    service._pyroRelease()


if __name__ == "__main__":
    main()
