// The README's "run it": our name server with an example object registered in it,
// and how to call that object from Python and from TypeScript.
// Run: deno run -A cli/demo.ts [port]    (or: bun cli/demo.ts / node cli/demo.ts)
import { Daemon, expose } from "../server.ts";
import { locateNS, startNS } from "../naming.ts";
import { addressInUseLine, isAddressInUse } from "./_address_in_use.ts";
import { exitOnSignals } from "./_signals.ts";

class GreetingMaker {
  get_fortune(name: string): string {
    return `Hello, ${name}. Here is your fortune message:\nTomorrow's lucky number is 12345678.`;
  }
}
expose(GreetingMaker);

const port = Number(process.argv[2] ?? 9090);
let ns;
try {
  ns = await startNS({ host: "localhost", port, enableBroadcast: false });
} catch (e) {
  if (!isAddressInUse(e)) throw e;
  console.error(addressInUseLine(
    "demo",
    `port ${port}`,
    "give another port as the first argument (deno run -A cli/demo.ts 9091, npm start -- 9091), " +
      "or 0 for a free one",
  ));
  process.exit(1);
}
const daemon = await Daemon.create({ host: "localhost", port: 0 });
const uri = daemon.register(GreetingMaker, "example.greeting");
const proxy = await locateNS("localhost", ns.uri.port);
await proxy.register("example.greeting", uri);
await proxy._pyroRelease();
exitOnSignals(async () => {
  await daemon.close();
  await ns.close();
});
const nsOption = ns.uri.port === 9090 ? "" : ` PYRO_NS_PORT=${ns.uri.port}`;
console.log(`Name server: ${ns.uri}
Registered example.greeting -> ${uri}

Call it from Python (pip install Pyro5):
  ${
  nsOption ? `${nsOption.trim()} ` : ""
}python -c "import Pyro5.api; print(Pyro5.api.Proxy('PYRONAME:example.greeting').get_fortune('Alice'))"
  python -m Pyro5.nsc${ns.uri.port === 9090 ? "" : ` -p ${ns.uri.port}`} list

Call it from TypeScript:
  ${nsOption ? `${nsOption.trim()} ` : ""}deno run -A examples/greeting/client.ts Alice

Serving; Ctrl-C stops.`);
