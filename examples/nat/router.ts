// A stand-in for a NAT router: forwards every TCP connection on one port to another address.
// Run: deno run -A examples/nat/router.ts 5555 127.0.0.1:9999
import { type Connection, defaultTransport } from "../../mod.ts";

const [listenPort, target] = process.argv.slice(2);
const at = target.lastIndexOf(":");
const to = {
  hostname: target.slice(0, at).replace(/^\[|\]$/g, ""),
  port: Number(target.slice(at + 1)),
};
const transport = await defaultTransport();
const listener = await transport.listen({ hostname: "localhost", port: Number(listenPort) });

async function pipe(from: Connection, into: Connection) {
  try {
    for await (const chunk of from.readable) await into.write(chunk);
  } catch { /* either side went away */ }
  await into.close().catch(() => {});
}

console.log(`Ready. forwarding localhost:${listenPort} to ${target}`);
for await (const outside of listener) {
  transport.connect(to).then((inside) => {
    pipe(outside, inside);
    pipe(inside, outside);
  }, (e) => {
    console.error(`cannot reach ${target}: ${e.message}`);
    outside.close();
  });
}
