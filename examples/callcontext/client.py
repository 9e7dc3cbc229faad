"""The Python side of the call context example: sets a correlation id and an annotation.

Run: deno run -A examples/callcontext/server.ts 9170 &
     python examples/callcontext/client.py PYRO:example.context@localhost:9170
"""
import sys
import uuid

import Pyro5.api
from Pyro5.api import current_context


def replied():
    return {k: bytes(v).decode() for k, v in sorted(current_context.response_annotations.items())}


def main():
    uri = sys.argv[1] if len(sys.argv) > 1 else "PYRO:example.context@localhost:9170"
    ours = uuid.uuid4()
    current_context.correlation_id = ours
    with Pyro5.api.Proxy(uri) as server:
        current_context.annotations = {"XYZZ": b"from the client (1)"}
        print("echo:", server.echo("hi there"), replied())
        current_context.annotations = {"XYZZ": b"from the client (2)"}
        server.log("oneway: no reply, so no annotations either")
        print("relay:", server.relay("hello"), replied())
        current_context.annotations = {}
        for entry in server.seen():
            same = "our id" if entry["correlation_id"] == str(ours) else entry["correlation_id"]
            print("server saw %(method)s: serializer %(serializer_id)s, oneway %(oneway)s, XYZZ %(XYZZ)r," % entry, same)


if __name__ == "__main__":
    main()
