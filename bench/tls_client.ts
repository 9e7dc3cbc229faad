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

// 10 MB results: warmed up for as long as the calls, then timed for `seconds` (at least three).
// Five right after the calls, as before, moved 2-3x between rounds on Node (225-1,726 MB/s over
// TLS in one run of twelve such rounds, the slow ones first).
const size = 10_000_000;
for (const stop = now() + WARMUP * 1000; now() < stop;) await p.blob_bytes(size);
let blobs = 0;
start = now();
while (blobs < 3 || now() - start < seconds * 1000) {
  await p.blob_bytes(size);
  blobs++;
}
out.blob10mb_MBps = (blobs * size / 1e6) / ((now() - start) / 1000);

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
