// Calls the NAT example's object through each URI given (the external one goes through the router).
// Run: deno run -A examples/nat/client.ts PYRO:example.nat@localhost:5555 [more URIs]
import { Proxy } from "../../mod.ts";

for (const uri of process.argv.slice(2)) {
  await using greeter = new Proxy(uri);
  console.log(`${uri}: ${await greeter.hello("typescript")}`);
}
