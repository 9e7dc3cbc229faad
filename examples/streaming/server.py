"""The Python side of the streaming example: serves a file in chunks through a generator."""
import sys

import Pyro5.api


@Pyro5.api.expose
class FileServer:
    def chunks(self, path, chunksize=65536):
        with open(path, "rb") as f:
            while True:
                chunk = f.read(chunksize)
                if not chunk:
                    return
                yield chunk


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9998
    Pyro5.api.config.SERIALIZER = "msgpack"
    Pyro5.api.serve({FileServer: "example.files"}, host="localhost", port=port, use_ns=False)


if __name__ == "__main__":
    main()
