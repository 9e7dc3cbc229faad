"""The Python side of the user session example: the same two databases as server.ts, in Pyro5.

Run: python examples/usersession/server.py 9130
     deno run -A examples/usersession/client.ts localhost:9130
"""
import sys
import threading
import time

import Pyro5.api
from Pyro5.api import current_context


class DbConnection:
    """A connection that wants one caller at a time, as the one in server.ts."""

    def __init__(self, data, allowed, user):
        self.data, self.allowed, self.user = data, allowed, user
        self.lock = threading.Lock()

    def use(self, user, op):
        if user not in self.allowed:
            raise PermissionError("access denied for %s" % user)
        if not self.lock.acquire(blocking=False):
            raise RuntimeError("concurrent use of one database connection")
        try:
            time.sleep(0.02)  # the round trip to the database
            return op()
        finally:
            self.lock.release()

    def store(self, key, value, user=None):
        user = user or self.user
        return self.use(user, lambda: self.data.__setitem__(user + "/" + key, value))

    def retrieve(self, key, user=None):
        user = user or self.user
        return self.use(user, lambda: self.data.get(user + "/" + key))


DATA = {}
ALLOWED = {"alice", "bob"}


def user_of_call():
    return bytes(current_context.annotations["USER"]).decode()


@Pyro5.api.behavior(instance_mode="single")
@Pyro5.api.expose
class SingletonDatabase:
    def __init__(self):
        self.conn = DbConnection(DATA, ALLOWED, None)

    def store(self, key, value):
        return self.conn.store(key, value, user_of_call())

    def retrieve(self, key):
        return self.conn.retrieve(key, user_of_call())

    def whoami(self):
        return user_of_call()


@Pyro5.api.behavior(instance_mode="session")
@Pyro5.api.expose
class SessionDatabase:
    def __init__(self):
        self.conn = DbConnection(DATA, ALLOWED, user_of_call())

    def store(self, key, value):
        return self.conn.store(key, value)

    def retrieve(self, key):
        return self.conn.retrieve(key)

    def whoami(self):
        return self.conn.user


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9130
    with Pyro5.api.Daemon(host="localhost", port=port) as daemon:
        daemon.register(SingletonDatabase, "example.usersession.singletondb")
        daemon.register(SessionDatabase, "example.usersession.sessiondb")
        print("Ready. Objects at", daemon.locationStr, flush=True)
        daemon.requestLoop()


if __name__ == "__main__":
    main()
