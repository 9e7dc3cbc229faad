// Our name server for the lookup benchmark: prints "NS <uri>", exits on SIGTERM.
import { startNS } from "../naming.ts";

const ns = await startNS({ host: "127.0.0.1", port: 0, enableBroadcast: false });
await ns.nameserver.register("bench.target", "PYRO:bench@127.0.0.1:1");
process.on("SIGTERM", async () => {
  await ns.close();
  process.exit(0);
});
console.log(`NS ${ns.uri}`);
