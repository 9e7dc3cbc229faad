// A TypeScript daemon that checks a secret in the connection handshake.
// Run: deno run -A examples/server_handshake/server.ts 9103
//      python examples/server_handshake/client.py PYRO:example.secure@localhost:9103
import { type ClientConnection, Daemon, expose } from "../../mod.ts";

class SecretDaemon extends Daemon {
  override validateHandshake(conn: ClientConnection, data: unknown): unknown {
    if ((data as { secret?: string })?.secret !== "sesame") throw new Error("wrong secret");
    conn.data.user = (data as { user?: string }).user ?? "anonymous";
    return { welcome: conn.data.user };
  }
}

class Vault {
  open() {
    return "the vault is open";
  }
}
expose(Vault);

const port = Number(process.argv[2] ?? 9103);
await using daemon = await SecretDaemon.create({ host: "localhost", port });
console.log(`Ready. Object uri = ${daemon.register(Vault, "example.secure")}`);
await daemon.requestLoop();
