// A TypeScript server that calls Python clients back on objects they serve themselves.
// Run: deno run -A examples/server_callbacks/server.ts 9101
//      python examples/server_callbacks/client.py PYRO:example.worker@localhost:9101
import { Daemon, expose, type Proxy } from "../../mod.ts";

class Worker {
  async work(callback: Proxy, jobs: number): Promise<number> {
    // The callback is a proxy to an object in the Python client's own daemon.
    for (let i = 1; i <= jobs; i++) await callback.done(i, i * i);
    return jobs;
  }
}
expose(Worker);

const port = Number(process.argv[2] ?? 9101);
await using daemon = await Daemon.create({ host: "localhost", port });
console.log(`Ready. Object uri = ${daemon.register(Worker, "example.worker")}`);
await daemon.requestLoop();
