"""The Python side of the user session example: users named in a USER annotation.

Run: deno run -A examples/usersession/server.ts 9130 &
     python examples/usersession/client.py localhost:9130
"""
import sys
import threading

import Pyro5.api
from Pyro5.api import current_context


def as_user(name):
    # Annotations go with every call this thread makes from now on.
    current_context.annotations = {"USER": name.encode()}


def main():
    location = sys.argv[1] if len(sys.argv) > 1 else "localhost:9130"
    session = "PYRO:example.usersession.sessiondb@" + location
    singleton = "PYRO:example.usersession.singletondb@" + location

    print("* one proxy per user: each user has their own value")
    with Pyro5.api.Proxy(session) as alice, Pyro5.api.Proxy(session) as bob:
        as_user("alice")
        alice.store("number", 42)
        as_user("bob")
        bob.store("number", 43)
        print("alice's number:", alice.retrieve("number"), "- bob's number:", bob.retrieve("number"))
        print("alice's proxy still belongs to", alice.whoami(), "though this thread is now bob")

    print("* the singleton reads the user from each call")
    with Pyro5.api.Proxy(singleton) as db:
        as_user("alice")
        print("as alice:", db.whoami(), db.retrieve("number"))
        as_user("bob")
        print("as bob:", db.whoami(), db.retrieve("number"))
        as_user("mallory")
        try:
            db.retrieve("number")
        except Exception as e:
            print("as mallory:", e)

    for name, uri in (("session-bound", session), ("singleton", singleton)):
        errors = []
        start = threading.Barrier(4)

        def worker(user):
            as_user(user)
            with Pyro5.api.Proxy(uri) as db:
                db._pyroBind()
                for i in range(3):
                    start.wait()  # all four threads call at the same moment
                    try:
                        db.store("counter", i)
                        db.retrieve("counter")
                    except Exception as e:
                        errors.append(str(e))

        threads = [threading.Thread(target=worker, args=(u,)) for u in ("alice", "bob", "alice", "bob")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        kinds = sorted(set(errors))
        print("* four callers at once on the %s database: %d refused calls %s" % (name, len(errors), kinds))


if __name__ == "__main__":
    main()
