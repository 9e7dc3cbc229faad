// Name server lookups per second from TypeScript clients: `ns_lookups.ts <ns uri> <seconds>`.
// One client calling in turn (ns_lookups), then 10 clients at once (ns_lookups_10_clients), which
// shows the name server's own capacity rather than one client's round trips.
import { NameServerProxy } from "../naming.ts";

const uri = process.argv[2];
const seconds = Number(process.argv[3] ?? 1);

async function lookups(proxies: NameServerProxy[]): Promise<number> {
  await Promise.all(proxies.map((ns) => ns.lookup("bench.target")));
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  await Promise.all(proxies.map(async (ns) => {
    while (performance.now() < stop) {
      await ns.lookup("bench.target");
      n++;
    }
  }));
  return n / ((performance.now() - start) / 1000);
}

const one = [new NameServerProxy(uri)];
const ten = Array.from({ length: 10 }, () => new NameServerProxy(uri));
const out = { ns_lookups: await lookups(one), ns_lookups_10_clients: await lookups(ten) };
await Promise.all([...one, ...ten].map((ns) => ns._pyroRelease()));
console.log(JSON.stringify(out));
process.exit(0);
