// The TypeScript benchmark client: measures one server (`client.ts <uri> <seconds>`) and
// prints one JSON object of figures.
import { BatchProxy, Proxy } from "../mod.ts";

const uri = process.argv[2];
const seconds = Number(process.argv[3] ?? 1);
const out: Record<string, number> = {};
const now = () => performance.now();
/** 10 MB results and uploads timed together, after one untimed call of each. */
const TRANSFERS = 5;

async function timed(fn: () => Promise<number>): Promise<number> {
  const start = now();
  const count = await fn();
  return count / ((now() - start) / 1000);
}

for (const serializer of ["serpent", "json", "marshal", "msgpack"] as const) {
  await using p = new Proxy(uri, { serializer });
  await p.echo(42);
  // Sequential calls, with latency percentiles.
  const latencies: number[] = [];
  const end = now() + seconds * 1000;
  const start = now();
  while (now() < end) {
    const t = now();
    await p.echo(42);
    latencies.push(now() - t);
  }
  out[`seq_${serializer}`] = latencies.length / ((now() - start) / 1000);
  latencies.sort((a, b) => a - b);
  out[`p50_${serializer}_us`] = latencies[Math.floor(latencies.length * 0.5)] * 1000;
  out[`p99_${serializer}_us`] = latencies[Math.floor(latencies.length * 0.99)] * 1000;
  // Pipelined: 64 calls in flight on the one connection.
  out[`pipe_${serializer}`] = await timed(async () => {
    let done = 0;
    const stop = now() + seconds * 1000;
    const lane = async () => {
      while (now() < stop) {
        await p.echo(42);
        done++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    return done;
  });
  // Batches of 1000 calls.
  out[`batch_${serializer}`] = await timed(async () => {
    let done = 0;
    const stop = now() + seconds * 1000;
    while (now() < stop) {
      const b = new BatchProxy(p);
      for (let i = 0; i < 1000; i++) b.echo(i);
      (await b())!.toArray();
      done += 1000;
    }
    return done;
  });
  if (serializer !== "json") {
    const size = 10_000_000;
    const base10 = Number(await p.window_start_mb());
    // One call first, untimed (the first 10 MB of a kind costs more), then TRANSFERS timed.
    await p.blob_bytes(size);
    out[`blob10mb_${serializer}_MBps`] = await timed(async () => {
      let bytes = 0;
      for (let i = 0; i < TRANSFERS; i++) {
        bytes += ((await p.blob_bytes(size)) as Uint8Array).length;
      }
      return bytes / 1e6;
    });
    const data = new Uint8Array(size).fill(0x75);
    await p.upload(data);
    out[`upload10mb_${serializer}_MBps`] = await timed(async () => {
      for (let i = 0; i < TRANSFERS; i++) await p.upload(data);
      return TRANSFERS * size / 1e6;
    });
    // The daemon's memory over its baseline during the 10 MB results and uploads, and the stream.
    out[`mem10mb_${serializer}_MB`] = Number(await p.window_peak_mb()) - base10;
    const base50 = Number(await p.window_start_mb());
    out[`stream50mb_${serializer}_MBps`] = await timed(async () => {
      let bytes = 0;
      for await (const chunk of await p.chunks_bytes(50_000_000, 200_000)) {
        bytes += (chunk as Uint8Array).length;
      }
      return bytes / 1e6;
    });
    out[`mem50mb_${serializer}_MB`] = Number(await p.window_peak_mb()) - base50;
  }
}

{
  await using p = new Proxy(uri, { serializer: "msgpack" });
  await p.reset();
  const n = 20000;
  out.oneway_executed = await timed(async () => {
    for (let i = 0; i < n; i++) p.oneway_hit(i);
    while ((await p.hits()) < n) await new Promise((r) => setTimeout(r, 1));
    return n;
  });
}
out.connect_call_close = await timed(async () => {
  let done = 0;
  const stop = now() + seconds * 1000;
  while (now() < stop) {
    const p = new Proxy(uri, { serializer: "msgpack" });
    await p.echo(1);
    await p._pyroRelease();
    done++;
  }
  return done;
});
// Aggregate rate: many clients, each with its own connection, calling one after another.
for (const clients of [10, 100, 1000]) {
  const proxies = Array.from({ length: clients }, () => new Proxy(uri, { serializer: "msgpack" }));
  try {
    await Promise.all(proxies.map((p) => p._pyroBind()));
    out[`aggregate_${clients}_clients`] = await timed(async () => {
      let done = 0;
      const stop = now() + seconds * 1000;
      await Promise.all(proxies.map(async (p) => {
        while (now() < stop) {
          await p.echo(42);
          done++;
        }
      }));
      return done;
    });
  } catch {
    // A Python thread daemon refuses more connections than its pool has threads.
    out[`aggregate_${clients}_clients`] = NaN;
  } finally {
    await Promise.all(proxies.map((p) => p._pyroRelease()));
  }
}
{
  // Peak memory of the daemon so far: the 10 MB results and 50 MB streams are its largest moments.
  await using p = new Proxy(uri, { serializer: "msgpack" });
  out.daemon_peak_rss_MB = Number(await p.peak_rss_mb());
}
console.log(JSON.stringify(out));
process.exit(0);
