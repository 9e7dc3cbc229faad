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
for (const c of [SingleCounter, SessionCounter, PercallCounter]) expose(c);
behavior({ instanceMode: "single" })(SingleCounter);
behavior({ instanceMode: "session" })(SessionCounter);
behavior({ instanceMode: "percall" })(PercallCounter);

const port = Number(process.argv[2] ?? 9104);
await using daemon = await Daemon.create({ host: "localhost", port });
daemon.register(SingleCounter, "example.single");
daemon.register(SessionCounter, "example.session");
daemon.register(PercallCounter, "example.percall");
console.log(`Ready. Objects at ${daemon.locationStr}`);
await daemon.requestLoop();
