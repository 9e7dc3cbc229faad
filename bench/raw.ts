// Raw loopback TCP on this runtime, no Pyro: the ceilings for sequential calls and transfers.
// `raw.ts server` prints "PORT n": it echoes what it reads, except that after a 0xff byte it
// swallows the next 200 MB and then answers one byte (one-way streaming).
// `raw.ts client <port> <seconds>` prints JSON figures.
// Both sides read through the transport's fastest path (chunks(), else the readable).
import { defaultTransport } from "../transport/mod.ts";
import type { ChunkReader, Connection } from "../transport/types.ts";

const ONE_WAY = 200_000_000;
const transport = await defaultTransport();
const readerOf = (conn: Connection): ChunkReader =>
  conn.chunks?.() ?? conn.readable.getReader() as unknown as ChunkReader;

if (process.argv[2] === "server") {
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`PORT ${(listener.address as { port: number }).port}`);
  for await (const conn of listener) {
    (async () => {
      const reader = readerOf(conn);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value[0] !== 0xff) {
          await conn.write(value);
          continue;
        }
        let got = value.length - 1;
        while (got < ONE_WAY) got += (await reader.read()).value!.length;
        await conn.write(new Uint8Array(1));
      }
    })().catch(() => {});
  }
} else {
  const port = Number(process.argv[3]);
  const seconds = Number(process.argv[4] ?? 1);
  const conn = await transport.connect({ hostname: "127.0.0.1", port });
  const reader = readerOf(conn);
  const ping = new Uint8Array(64);
  let trips = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await conn.write(ping);
    let got = 0;
    while (got < 64) got += (await reader.read()).value!.length;
    trips++;
  }
  const pingpong = trips / ((performance.now() - start) / 1000);
  const block = new Uint8Array(1 << 20);
  // Echo streaming: 200 MB through the echo, written and read concurrently (both directions).
  let t0 = performance.now();
  const reading = (async () => {
    let got = 0;
    while (got < ONE_WAY) got += (await reader.read()).value!.length;
  })();
  for (let sent = 0; sent < ONE_WAY; sent += block.length) {
    await conn.write(block.subarray(0, Math.min(block.length, ONE_WAY - sent)));
  }
  await reading;
  const echo = ONE_WAY / 1e6 / ((performance.now() - t0) / 1000);
  // One-way streaming: 200 MB to a server that only counts them, then one byte back.
  t0 = performance.now();
  await conn.write(new Uint8Array([0xff]));
  for (let sent = 0; sent < ONE_WAY; sent += block.length) {
    await conn.write(block.subarray(0, Math.min(block.length, ONE_WAY - sent)));
  }
  await reader.read();
  const oneWay = ONE_WAY / 1e6 / ((performance.now() - t0) / 1000);
  console.log(
    JSON.stringify({ raw_pingpong: pingpong, raw_stream_MBps: echo, raw_oneway_MBps: oneWay }),
  );
  process.exit(0);
}
