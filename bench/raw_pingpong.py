"""The machine's loopback round trip with nothing of ours in it: Python's blocking sockets, no TLS,
no Pyro, 64 bytes each way. What no sequential call on this machine can beat, whatever the language.

Usage: python raw_pingpong.py server          prints "PORT n", echoes one connection at a time
       python raw_pingpong.py client PORT SECONDS   prints {"raw_pingpong": round trips/s}
"""
import json
import socket
import sys
import time


def nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


if sys.argv[1] == "server":
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print("PORT", listener.getsockname()[1], flush=True)
    while True:
        conn = nodelay(listener.accept()[0])
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)
else:
    port, seconds = int(sys.argv[2]), float(sys.argv[3])
    with nodelay(socket.create_connection(("127.0.0.1", port))) as conn:
        ping, trips, start = b"x" * 64, 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.sendall(ping)
            got = 0
            while got < len(ping):
                got += len(conn.recv(65536))
            trips += 1
        print(json.dumps({"raw_pingpong": trips / (time.perf_counter() - start)}))
