// A TypeScript server whose generators Python clients iterate item by item.
// Run: deno run -A examples/server_streaming/server.ts 9102
//      python examples/server_streaming/client.py PYRO:example.sensors@localhost:9102
import { Daemon, expose } from "../../mod.ts";

class Sensors {
  async *readings(count: number) {
    for (let i = 0; i < count; i++) {
      await new Promise((r) => setTimeout(r, 10)); // a sensor takes its time
      yield { sensor: "t1", index: i, celsius: 20 + i / 2 };
    }
  }
  *countdown(from: number) {
    for (let i = from; i > 0; i--) yield i;
  }
}
expose(Sensors);

const port = Number(process.argv[2] ?? 9102);
await using daemon = await Daemon.create({ host: "localhost", port });
console.log(`Ready. Object uri = ${daemon.register(Sensors, "example.sensors")}`);
await daemon.requestLoop();
