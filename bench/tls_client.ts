// The TypeScript TLS benchmark client (`tls_client.ts <uri> <seconds> [sequential]`): msgpack calls
// over the connection the PYRO_SSL* environment describes (plain TCP without it). Prints one JSON
// object; with `sequential`, only the sequential calls.
import { Proxy } from "../mod.ts";

const uri = process.argv[2];
const seconds = Number(process.argv[3] ?? 1);
const onlySequential = process.argv[4] === "sequential";
const WARMUP = 1;
const out: Record<string, number> = {};
const now = () => performance.now();

await using p = new Proxy(uri, { serializer: "msgpack" });
await p.echo(42);
// Untimed warm-up, as in tls_client.py: here a fresh connection's first second runs at a fraction
// of its steady rate (measured on Deno: 8k calls/s in the first second, 35k after).
for (const stop = now() + WARMUP * 1000; now() < stop;) await p.echo(42);
let calls = 0;
let start = now();
while (now() - start < seconds * 1000) {
  await p.echo(42);
  calls++;
}
out.seq_calls = calls / ((now() - start) / 1000);
if (onlySequential) {
  console.log(JSON.stringify(out));
  process.exit(0);
}

calls = 0;
start = now();
const lane = async () => {
  while (now() - start < seconds * 1000) {
    await p.echo(42);
    calls++;
  }
};
await Promise.all(Array.from({ length: 64 }, lane));
out.pipe_calls = calls / ((now() - start) / 1000);

const size = 10_000_000;
await p.blob_bytes(size);
start = now();
for (let i = 0; i < 5; i++) await p.blob_bytes(size);
out.blob10mb_MBps = (5 * size / 1e6) / ((now() - start) / 1000);

// A new connection each time: connect, TLS handshake, Pyro handshake, one call.
let connections = 0;
start = now();
while (now() - start < seconds * 1000) {
  await using fresh = new Proxy(uri, { serializer: "msgpack" });
  await fresh.echo(1);
  connections++;
}
out.connect_ms = (now() - start) / connections;
console.log(JSON.stringify(out));
