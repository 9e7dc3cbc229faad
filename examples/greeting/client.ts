// Calls the Python greeting server by its name in the name server.
// Run: python -m Pyro5.nameserver & python examples/greeting/server.py &
//      deno run -A examples/greeting/client.ts Alice     (or: bun examples/greeting/client.ts Alice)
import { Proxy } from "../../mod.ts";

interface GreetingMaker {
  get_fortune(name: string): string;
}

const name = process.argv[2] ?? "Alice";
await using greeter = new Proxy<GreetingMaker>("PYRONAME:example.greeting");
console.log(await greeter.get_fortune(name));
