// Name server lookups per second from one TypeScript client: `ns_lookups.ts <ns uri> <seconds>`.
import { NameServerProxy } from "../naming.ts";

const ns = new NameServerProxy(process.argv[2]);
const seconds = Number(process.argv[3] ?? 1);
await ns.lookup("bench.target");
let n = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  await ns.lookup("bench.target");
  n++;
}
console.log(JSON.stringify({ ns_lookups: n / ((performance.now() - start) / 1000) }));
await ns._pyroRelease();
process.exit(0);
