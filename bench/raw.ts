// Raw loopback TCP on this runtime, no Pyro: the ceiling for sequential calls.
// `raw.ts server` prints "PORT n" and echoes; `raw.ts client <port> <seconds>` prints JSON figures.
import { defaultTransport } from "../transport/mod.ts";

const transport = await defaultTransport();
if (process.argv[2] === "server") {
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`PORT ${(listener.address as { port: number }).port}`);
  for await (const conn of listener) {
    (async () => {
      for await (const chunk of conn.readable) await conn.write(chunk);
    })().catch(() => {});
  }
} else {
  const port = Number(process.argv[3]);
  const seconds = Number(process.argv[4] ?? 1);
  const conn = await transport.connect({ hostname: "127.0.0.1", port });
  const reader = conn.readable.getReader();
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
  // Streaming: 200 MB through the echo, written and read concurrently.
  const total = 200_000_000;
  const block = new Uint8Array(1 << 20);
  const t0 = performance.now();
  const reading = (async () => {
    let got = 0;
    while (got < total) got += (await reader.read()).value!.length;
  })();
  for (let sent = 0; sent < total; sent += block.length) {
    await conn.write(block.subarray(0, Math.min(block.length, total - sent)));
  }
  await reading;
  const streaming = total / 1e6 / ((performance.now() - t0) / 1000);
  console.log(JSON.stringify({ raw_pingpong: pingpong, raw_stream_MBps: streaming }));
  process.exit(0);
}
