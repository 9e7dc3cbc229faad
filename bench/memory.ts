// The daemon's memory during large transfers, measured on a freshly started daemon so that no
// earlier measurement has grown its heap already: `memory.ts <uri> <serializer>` prints JSON with
// the peak RSS over the daemon's baseline (MB) during 3 results and 3 uploads of 10 MB, and during
// a 50 MB stream in 200 kB items.
import { Proxy } from "../mod.ts";

const [uri, serializer] = process.argv.slice(2) as [string, "msgpack" | "marshal"];
const size = 10_000_000;
await using p = new Proxy(uri, { serializer });
await p.echo(1);
const base10 = Number(await p.window_start_mb());
for (let i = 0; i < 3; i++) await p.blob_bytes(size);
const data = new Uint8Array(size).fill(0x75);
for (let i = 0; i < 3; i++) await p.upload(data);
const mem10 = Number(await p.window_peak_mb()) - base10;
const base50 = Number(await p.window_start_mb());
for await (const _ of await p.chunks_bytes(50_000_000, 200_000));
const mem50 = Number(await p.window_peak_mb()) - base50;
console.log(JSON.stringify({
  [`fresh_mem10mb_${serializer}_MB`]: mem10,
  [`fresh_mem50mb_${serializer}_MB`]: mem50,
}));
process.exit(0);
