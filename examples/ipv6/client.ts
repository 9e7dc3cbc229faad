// Calls an object on the IPv6 loopback, and shows how a URI with an IPv6 address parses.
// Run: python examples/ipv6/server.py 9160 &
//      deno run -A examples/ipv6/client.ts "PYRO:example.ipv6@[::1]:9160"
import { Proxy, URI } from "../../mod.ts";

const uri = new URI(process.argv[2] ?? "PYRO:example.ipv6@[::1]:9160");
console.log(`host ${uri.host} (no brackets), port ${uri.port}, shown as ${uri}`);
await using where = new Proxy(uri);
const answer = String(await where.whoami());
console.log(answer.replace(/\d+$/, "<port>")); // the client's own port changes every run
