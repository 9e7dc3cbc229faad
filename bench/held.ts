// Connected proxies held on one daemon while a new client is served:
// `held.ts <uri> <count>` opens <count> connected proxies, then times new clients
// (connect, call, close) and prints JSON: the median time of a new client in ms.
import { Proxy } from "../mod.ts";

const uri = process.argv[2];
const count = Number(process.argv[3] ?? 10000);
const held: Proxy[] = [];
const out: Record<string, number> = {};
try {
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from(
      { length: Math.min(200, count - i) },
      () => new Proxy(uri, { serializer: "msgpack" }),
    );
    await Promise.all(batch.map((p) => p._pyroBind()));
    held.push(...batch);
  }
  out.held_connections = held.length;
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    const p = new Proxy(uri, { serializer: "msgpack" });
    await p.echo(i);
    await p._pyroRelease();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  out.new_client_ms_with_held = times[10];
} catch (e) {
  out.held_connections = held.length;
  console.error(`held.ts: ${(e as Error).message}`);
} finally {
  await Promise.all(held.map((p) => p._pyroRelease()));
}
console.log(JSON.stringify(out));
process.exit(0);
