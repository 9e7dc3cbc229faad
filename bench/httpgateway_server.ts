// The TypeScript twin of httpgateway_server.py: `fast()` answers at once, `slow()` after 2 s,
// from a daemon of ours, registered in the name server under the name given.
// Usage: deno run -A bench/httpgateway_server.ts NS_HOST NS_PORT [NAME]   (or bun, node)
// prints "URI <uri>" once registered.
import { Daemon, expose, locateNS } from "../mod.ts";

class Bench {
  fast(): string {
    return "fast";
  }

  async slow(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return "slow";
  }
}
expose(Bench);

const [host, port, name = "http.bench"] = process.argv.slice(2);
await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
const uri = daemon.register(Bench, name);
await using ns = await locateNS(host, Number(port));
await ns.register(name, uri);
console.log("URI", String(uri));
await daemon.requestLoop();
