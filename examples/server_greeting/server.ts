// A TypeScript greeting server that Python clients use as they would a Python one.
// Run: deno run -A examples/server_greeting/server.ts 9100   (or: bun / node ...)
//      python examples/server_greeting/client.py PYRO:example.greeting@localhost:9100 Alice
import { Daemon, expose } from "../../mod.ts";

class GreetingMaker {
  get_fortune(name: string): string {
    return `Hello, ${name}. Here is your fortune message:\nTomorrow's lucky number is 12345678.`;
  }
}
expose(GreetingMaker);

const port = Number(process.argv[2] ?? 9100);
await using daemon = await Daemon.create({ host: "localhost", port });
const uri = daemon.register(GreetingMaker, "example.greeting");
console.log(`Ready. Object uri = ${uri}`);
await daemon.requestLoop();
