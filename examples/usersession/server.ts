// Per-user state through the call context: each client sends its user name in a USER
// annotation; a session-bound object reads it once and gets a database connection of its own,
// a singleton must read it on every call and shares one connection among everyone.
// Run: deno run -A examples/usersession/server.ts 9130
//      python examples/usersession/client.py localhost:9130
import { behavior, currentContext, Daemon, expose } from "../../mod.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A key-value store that wants each connection used by one caller at a time. */
class Database {
  readonly #data = new Map<string, unknown>();
  readonly allowed = new Set(["alice", "bob"]);

  connect(user: string | null): DbConnection {
    return new DbConnection(this.#data, this.allowed, user);
  }
}

class DbConnection {
  readonly #data: Map<string, unknown>;
  readonly #allowed: Set<string>;
  readonly user: string | null;
  #busy = false;

  constructor(data: Map<string, unknown>, allowed: Set<string>, user: string | null) {
    this.#data = data;
    this.#allowed = allowed;
    this.user = user;
  }

  /** Runs one operation; a second caller arriving meanwhile is refused, as a real driver might. */
  async #use<T>(user: string | null, op: () => T): Promise<T> {
    if (!user || !this.#allowed.has(user)) throw new Error(`access denied for ${user}`);
    if (this.#busy) throw new Error("concurrent use of one database connection");
    this.#busy = true;
    try {
      await sleep(20); // the round trip to the database
      return op();
    } finally {
      this.#busy = false;
    }
  }

  store(key: string, value: unknown, user = this.user) {
    return this.#use(user, () => void this.#data.set(`${user}/${key}`, value));
  }

  retrieve(key: string, user = this.user) {
    return this.#use(user, () => this.#data.get(`${user}/${key}`) ?? null);
  }
}

const database = new Database();

/** The USER annotation of the call being handled, as text. */
function userOfCall(): string {
  const user = currentContext.annotations.USER;
  if (!user) throw new Error("no USER annotation");
  return new TextDecoder().decode(user);
}

/** One object, one connection for all: the user comes from each call. */
class SingletonDatabase {
  readonly #conn = database.connect(null);
  store(key: string, value: unknown) {
    return this.#conn.store(key, value, userOfCall());
  }
  retrieve(key: string) {
    return this.#conn.retrieve(key, userOfCall());
  }
  whoami() {
    return userOfCall();
  }
}

/** One object per client connection, made at its first call: the user is bound then. */
class SessionDatabase {
  readonly #conn = database.connect(userOfCall());
  store(key: string, value: unknown) {
    return this.#conn.store(key, value);
  }
  retrieve(key: string) {
    return this.#conn.retrieve(key);
  }
  whoami() {
    return this.#conn.user;
  }
}
expose(SingletonDatabase);
expose(SessionDatabase);
behavior({ instanceMode: "single" })(SingletonDatabase);
behavior({ instanceMode: "session" })(SessionDatabase);

const port = Number(process.argv[2] ?? 9130);
await using daemon = await Daemon.create({ host: "localhost", port });
daemon.register(SingletonDatabase, "example.usersession.singletondb");
daemon.register(SessionDatabase, "example.usersession.sessiondb");
console.log(`Ready. Objects at ${daemon.locationStr}`);
await daemon.requestLoop();
