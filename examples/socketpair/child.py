"""The Python child of fork.ts: a Pyro5 daemon over this process's stdin and stdout.

Pyro5's connected_socket wants a socket, so the daemon gets one end of a socketpair and two
threads copy bytes between the other end and stdin/stdout.
Run: deno run -A examples/socketpair/fork.ts python    (the parent starts this file)
"""
import os
import socket
import sys
import threading

import Pyro5.api


@Pyro5.api.expose
class Echo:
    def echo(self, message):
        return "process %d got: %s" % (os.getpid(), message)


def copy(read, write):
    while True:
        data = read()
        if not data:
            break
        write(data)


def main():
    daemon_end, bridge_end = socket.socketpair()
    stdin_done = threading.Event()

    def from_stdin():
        copy(lambda: os.read(0, 65536), bridge_end.sendall)
        stdin_done.set()  # the parent closed our stdin: time to go

    def to_stdout():
        copy(lambda: bridge_end.recv(65536), lambda data: os.write(1, data))

    threading.Thread(target=from_stdin, daemon=True).start()
    threading.Thread(target=to_stdout, daemon=True).start()
    daemon = Pyro5.api.Daemon(connected_socket=daemon_end)
    daemon.register(Echo, "echo")
    print("child %d: daemon on %s" % (os.getpid(), daemon.locationStr), file=sys.stderr)
    threading.Thread(target=daemon.requestLoop, daemon=True).start()
    stdin_done.wait()
    daemon.close()


if __name__ == "__main__":
    main()
