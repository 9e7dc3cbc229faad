// Raw loopback TCP on this runtime, no Pyro: the ceilings for sequential calls and transfers.
// `raw.ts server` prints "PORT n": it echoes what it reads, except that after a 0xff byte it
// swallows the next 200 MB and then answers one byte (one-way streaming), and that it answers a
// 0xfe byte with 10 MB (0xfd: 10 MB it allocates and fills first, as a method returning them does).
// `raw.ts client <port> <seconds>` prints JSON figures. With RAW_TLS_CERT, RAW_TLS_KEY (server)
// and RAW_TLS_CA (client) set to PEM files, both go through our TLS transport (bench/tls.ts).
// Both sides read through the transport's fastest path (chunks(), else the readable); a 10 MB
// reply is read into a freshly allocated buffer, with readInto() where the transport has it, since
// a received message needs memory of its own: that is the ceiling for a 10 MB result.
import { readFileSync } from "node:fs";
import { defaultTransport } from "../transport/mod.ts";
import { tlsTransport } from "../transport/tls.ts";
import type { ChunkReader, Connection } from "../transport/types.ts";

const ONE_WAY = 200_000_000;
const REPLY = 10_000_000;
const pem = (name: string) => process.env[name] && readFileSync(process.env[name]!, "utf8");
const transport = process.env.RAW_TLS_CERT || process.env.RAW_TLS_CA
  ? tlsTransport({
    server: { cert: pem("RAW_TLS_CERT") || "", key: pem("RAW_TLS_KEY") || "" },
    client: { ca: pem("RAW_TLS_CA") || undefined },
  })
  : await defaultTransport();
const readerOf = (conn: Connection): ChunkReader =>
  conn.chunks?.() ?? conn.readable.getReader() as unknown as ChunkReader;

if (process.argv[2] === "server") {
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`PORT ${(listener.address as { port: number }).port}`);
  const reply = new Uint8Array(REPLY).fill(0x61);
  for await (const conn of listener) {
    (async () => {
      const reader = readerOf(conn);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value[0] === 0xfe || value[0] === 0xfd) {
          await conn.write(value[0] === 0xfe ? reply : new Uint8Array(REPLY).fill(0x61));
          continue;
        }
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
  // 10 MB replies, each read into a fresh buffer: median of 15 after 3 to warm up.
  const reply = async (code: number): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 18; i++) {
      const start = performance.now();
      const body = new Uint8Array(REPLY);
      await conn.write(new Uint8Array([code]));
      for (let got = 0; got < REPLY;) {
        if (reader.readInto) got += (await reader.readInto(body.subarray(got)))!;
        else {
          const { value } = await reader.read();
          body.set(value!, got);
          got += value!.length;
        }
      }
      if (i >= 3) times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return REPLY / 1e6 / (times[times.length >> 1] / 1000);
  };
  console.log(JSON.stringify({
    raw_pingpong: pingpong,
    raw_stream_MBps: echo,
    raw_oneway_MBps: oneWay,
    raw_10MB_reply_MBps: await reply(0xfe),
    raw_10MB_fresh_reply_MBps: await reply(0xfd),
  }));
  process.exit(0);
}
