"""The Python side of the file transfer example: fetches the file three ways, like client.ts.

Run: deno run -A examples/filetransfer/server.ts 9120 &     (or server.py)
     python examples/filetransfer/client.py localhost:9120 [--chunk BYTES] [--tty|--plain]
"""
import hashlib
import socket
import sys
import time

import Pyro5.api
from Pyro5.api import current_context


class Progress:
    """Redraws one line in place on a terminal; prints a line per quarter otherwise."""

    def __init__(self, label, total, mode=None):
        self.label, self.total, self.done = label, total, 0
        self.tty = mode == "tty" if mode else sys.stdout.isatty()
        self.start = self.last = time.perf_counter()
        self.quarter = 0

    def rate(self):
        return self.done / 1e6 / max(time.perf_counter() - self.start, 1e-6)

    def add(self, n):
        self.done += n
        if self.tty:
            now = time.perf_counter()
            if now - self.last >= 0.05 or self.done >= self.total:
                self.last = now
                self.draw()
        else:
            quarter = min(4, self.done * 4 // self.total) if self.total else 4
            if quarter > self.quarter:
                self.quarter = quarter
                print("%s: %d%% (%.1f of %.1f MB)" % (self.label, self.quarter * 25, self.done / 1e6, self.total / 1e6))

    def draw(self):
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        full = round(fraction * 30)
        rate = self.rate()
        eta = (self.total - self.done) / 1e6 / rate if rate > 0 else 0
        sys.stdout.write("\r%s [%s%s] %3d%% %.1f MB/s ETA %d:%02d\x1b[K"
                         % (self.label, "#" * full, "." * (30 - full), fraction * 100, rate, eta // 60, eta % 60))
        sys.stdout.flush()

    def finish(self):
        if self.tty:
            self.draw()
            print()
        return self.rate()


def check(way, digest, got, info):
    if got != info["size"] or digest.hexdigest() != info["sha256"]:
        raise ValueError("%s: got %d bytes, sha256 %s" % (way, got, digest.hexdigest()))
    print("%s: %d bytes, sha256 ok" % (way, got))


def main():
    args = sys.argv[1:]
    location = next((a for a in args if not a.startswith("--")), "localhost:9120")
    chunksize = int(args[args.index("--chunk") + 1]) if "--chunk" in args else 500_000
    mode = "tty" if "--tty" in args else "plain" if "--plain" in args else None
    uri = "PYRO:example.filetransfer@" + location
    rates = []
    with Pyro5.api.Proxy(uri) as server:
        info = server.info()
        print("%s: %d bytes" % (info["name"], info["size"]))

        for serializer in ("marshal", "msgpack"):
            with Pyro5.api.Proxy(uri) as p:
                p._pyroSerializer = serializer
                way = "bytes in a result, " + serializer
                bar = Progress(way, info["size"], mode)
                data = p.read_all()
                bar.add(len(data))
                rates.append((way, bar.finish()))
                check(way, hashlib.sha256(data), len(data), info)

        way = "annotation chunks"
        bar = Progress(way, info["size"], mode)
        digest, got = hashlib.sha256(), 0
        for offset in server.read_annotated(chunksize):
            chunk = current_context.response_annotations["FDAT"]
            digest.update(chunk)
            got += len(chunk)
            assert offset == got, (offset, got)
            bar.add(len(chunk))
        current_context.response_annotations = {}
        rates.append((way, bar.finish()))
        check(way, digest, got, info)

        way = "side socket"
        file_id, host, port = server.open_side()
        bar = Progress(way, info["size"], mode)
        digest, got = hashlib.sha256(), 0
        with socket.create_connection((host, port)) as sock:
            sock.sendall(file_id.encode())
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
                got += len(chunk)
                bar.add(len(chunk))
        rates.append((way, bar.finish()))
        check(way, digest, got, info)

    for way, rate in rates:
        print("%s: %.1f MB/s" % (way, rate))


if __name__ == "__main__":
    main()
