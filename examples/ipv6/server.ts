// A daemon on the IPv6 loopback: its URIs write the address in brackets, PYRO:obj@[::1]:port.
// Run: deno run -A examples/ipv6/server.ts 9160
//      python examples/ipv6/client.py "PYRO:example.ipv6@[::1]:9160"
import { currentContext, Daemon, expose } from "../../mod.ts";

class Where {
  whoami() {
    return `you are ${currentContext.clientSockAddr}`;
  }
}
expose(Where);

const port = Number(process.argv[2] ?? 9160);
await using daemon = await Daemon.create({ host: "::1", port });
daemon.register(Where, "example.ipv6");
console.log(`location ${daemon.locationStr}`);
console.log(`Ready. Object uri = ${daemon.uriFor("example.ipv6")}`);
await daemon.requestLoop();
