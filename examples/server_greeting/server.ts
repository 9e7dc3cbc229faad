// A TypeScript greeting server that Python clients use as they would a Python one.
// Run: deno run -A examples/server_greeting/server.ts 9100   (or: bun / node ...)
//      python examples/server_greeting/client.py PYRO:example.greeting@localhost:9100 Alice
import { Daemon, expose } from "../../mod.ts";

class GreetingMaker {
  get_fortune(name: string): string {
    return `Hello, ${name}. Here is your fortune message:\nTomorrow's lucky number is 12345678.`;
  }
  // Python callers may name the parameters: greet(name="Bob", greeting="Hi").
  greet(name: string, greeting = "Hello"): string {
    return `${greeting}, ${name}!`;
  }
  // Declared below as "card(to, ...lines, **style)": `to` is required, extra keywords land in
  // `style` (Python's **kwargs), extra positional arguments in `lines`.
  card(to: string, style: Record<string, unknown>, ...lines: string[]): string {
    const border = String(style.border ?? "-");
    return [`To ${to}`, ...lines, border.repeat(8), JSON.stringify(style)].join("\n");
  }
}
expose(GreetingMaker);
expose(GreetingMaker, "card(to, ...lines, **style)");

const port = Number(process.argv[2] ?? 9100);
await using daemon = await Daemon.create({ host: "localhost", port });
const uri = daemon.register(GreetingMaker, "example.greeting");
console.log(`Ready. Object uri = ${uri}`);
await daemon.requestLoop();
