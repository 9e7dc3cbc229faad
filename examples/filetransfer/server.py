"""The Python side of the file transfer example: the same file server as server.ts.

Run: python examples/filetransfer/server.py 9120 [FILE | --size BYTES]
     deno run -A examples/filetransfer/client.ts localhost:9120     (or client.py)
Without FILE it serves a temporary file of --size random bytes (default 32 MB).
"""
import hashlib
import os
import signal
import socket
import sys
import tempfile
import threading
import uuid

import Pyro5.api
from Pyro5.api import current_context


class FileDaemon(Pyro5.api.Daemon):
    """A daemon that also listens on a side socket which sends nothing but file data."""

    def __init__(self, host, port):
        super().__init__(host=host, port=port)
        self.waiting = {}
        self.side = socket.create_server((self.sock.getsockname()[0], 0))
        threading.Thread(target=self._accept_side, daemon=True).start()

    def _accept_side(self):
        while True:
            try:
                conn, _ = self.side.accept()
            except OSError:
                return
            threading.Thread(target=self._send_file, args=(conn,), daemon=True).start()

    def _send_file(self, conn):
        with conn:
            wanted = b""
            while len(wanted) < 36:
                more = conn.recv(36 - len(wanted))
                if not more:
                    return
                wanted += more
            path = self.waiting.pop(wanted.decode(), None)
            if path:
                with open(path, "rb") as f:
                    conn.sendfile(f)

    def close(self):
        self.side.close()
        super().close()


@Pyro5.api.expose
class FileServer:
    def __init__(self, path, daemon):
        self.path = path
        self.daemon = daemon

    def info(self):
        with open(self.path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        return {"name": os.path.basename(self.path), "size": os.path.getsize(self.path), "sha256": digest}

    def read_all(self):
        with open(self.path, "rb") as f:
            return f.read()

    def read_annotated(self, chunksize):
        with open(self.path, "rb") as f:
            while True:
                chunk = f.read(chunksize)
                if not chunk:
                    return
                current_context.response_annotations = {"FDAT": chunk}
                yield f.tell()

    def open_side(self):
        file_id = str(uuid.uuid4())
        self.daemon.waiting[file_id] = self.path
        host, port = self.daemon.side.getsockname()[:2]
        return file_id, host, port


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that finally removes the file
    args = sys.argv[1:]
    port = int(args[0]) if args else 9120
    path = args[1] if len(args) > 1 and args[1] != "--size" else None
    if path is None:
        size = int(args[args.index("--size") + 1]) if "--size" in args else 32_000_000
        handle, path = tempfile.mkstemp(prefix="pyro5-filetransfer-", suffix=".bin")
        with os.fdopen(handle, "wb") as f:
            f.write(os.urandom(size))
    try:
        with FileDaemon("localhost", port) as daemon:
            daemon.register(FileServer(path, daemon), "example.filetransfer")
            print("serving %s (%d bytes); side socket on port %d"
                  % (path, os.path.getsize(path), daemon.side.getsockname()[1]))
            print("Ready. Object uri =", daemon.uriFor("example.filetransfer"), flush=True)
            daemon.requestLoop()
    finally:
        if len(args) < 2 or args[1] == "--size":
            os.remove(path)


if __name__ == "__main__":
    main()
