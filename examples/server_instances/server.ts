// Instance modes: one object for everyone, one per client connection, one per call.
// Run: deno run -A examples/server_instances/server.ts 9104
//      python examples/server_instances/client.py localhost:9104
import { behavior, Daemon, expose } from "../../mod.ts";

class Counter {
  count = 0;
  incr() {
    return ++this.count;
  }
}
class SingleCounter extends Counter {}
class SessionCounter extends Counter {}
class PercallCounter extends Counter {}
const modes = { single: SingleCounter, session: SessionCounter, percall: PercallCounter } as const;

const port = Number(process.argv[2] ?? 9104);
await using daemon = await Daemon.create({ host: "localhost", port });
for (const [instanceMode, counter] of Object.entries(modes)) {
  behavior({ instanceMode: instanceMode as keyof typeof modes })(expose(counter));
  daemon.register(counter, `example.${instanceMode}`);
}
console.log(`Ready. Objects at ${daemon.locationStr}`);
await daemon.requestLoop();
