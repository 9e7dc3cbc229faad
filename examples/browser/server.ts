// The TypeScript side of the browser example: the same object as server.py, from a daemon of
// ours, registered in the name server as example.browser (or the name given).
// Run: deno run -A examples/browser/server.ts [name]   (PYRO_NS_HOST/PYRO_NS_PORT find the name server)
import { Daemon, expose, locateNS } from "../../mod.ts";

class Demo {
  hello(name: string): string {
    return `Hello ${name}, from TypeScript`;
  }

  async *countdown(n: number): AsyncGenerator<number> {
    // A generator: the page receives the items one by one, as they are made.
    for (let i = n; i > 0; i--) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield i;
    }
  }

  fail(what: string): never {
    throw new RangeError(`refusing ${what}`);
  }
}
expose(Demo);

const name = process.argv[2] ?? "example.browser";
await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
const uri = daemon.register(Demo);
await using ns = await locateNS();
await ns.register(name, uri);
console.log("demo uri:", String(uri));
await daemon.requestLoop();
