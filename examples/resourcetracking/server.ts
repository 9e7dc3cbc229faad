// Resources that a client allocates are tracked on its connection, and closed by the daemon
// when the client goes away without freeing them (Pyro5's resource tracking).
// Run: deno run -A examples/resourcetracking/server.ts 9140
//      python examples/resourcetracking/client.py localhost:9140 vanish
//      python examples/resourcetracking/client.py localhost:9140 list
import { behavior, type ClientConnection, currentContext, Daemon, expose } from "../../mod.ts";

/** A pretend resource: a file handle, a lock, a database cursor... */
class Resource {
  readonly name: string;
  readonly #pool: Set<Resource>;

  constructor(name: string, pool: Set<Resource>) {
    this.name = name;
    this.#pool = pool;
  }

  /** What the daemon calls for every resource still tracked when the client disconnects. */
  close() {
    console.log(`closing resource ${this.name}`);
    this.#pool.delete(this);
  }
}

class Service {
  readonly resources = new Set<Resource>();

  allocate(name: string) {
    const resource = new Resource(name, this.resources);
    this.resources.add(resource);
    currentContext.trackResource(resource);
    console.log(`allocated ${name} for ${currentContext.clientSockAddr}`);
  }

  free(name: string) {
    for (const r of [...this.resources].filter((r) => r.name === name)) {
      r.close();
      currentContext.untrackResource(r);
    }
  }

  list() {
    return [...this.resources].map((r) => r.name).sort();
  }
}
expose(Service);
behavior({ instanceMode: "single" })(Service);

/** Only to show when it happens: closing tracked resources needs no override. */
class TrackingDaemon extends Daemon {
  override clientDisconnect(conn: ClientConnection) {
    console.log(`client ${conn.address} disconnected`);
  }
}

const port = Number(process.argv[2] ?? 9140);
await using daemon = await TrackingDaemon.create({ host: "localhost", port });
daemon.register(Service, "example.resources");
console.log(`Ready. Object uri = ${daemon.uriFor("example.resources")}`);
await daemon.requestLoop();
