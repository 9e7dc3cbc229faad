// Every transport this runtime can load: its own default, the node adapter
// (which all three runtimes run) and the in-memory one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CommunicationError, ConnectionClosedError } from "../../errors.ts";
import {
  type Connection,
  defaultTransport,
  memoryPair,
  memoryTransport,
  nodeTransport,
  type RuntimeTransport,
} from "../../transport/mod.ts";
import { socketPath } from "../helpers.ts";

async function readAll(
  connection: Connection,
  expected: number,
  slow = false,
): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let filled = 0;
  const reader = connection.readable.getReader();
  while (filled < expected) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, filled);
    filled += value.length;
    // A slow reader makes the writer meet backpressure.
    if (slow && filled % 7 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  reader.releaseLock();
  assert.equal(filled, expected);
  return out;
}

function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >>> 8)) & 0xff;
  return out;
}

async function pair(
  transport: RuntimeTransport,
  endpoint: { hostname: string; port: number } | { path: string },
) {
  const listener = await transport.listen(endpoint);
  const target = listener.address.transport === "tcp"
    ? { hostname: (endpoint as { hostname: string }).hostname, port: listener.address.port }
    : endpoint;
  const [client, server] = await Promise.all([transport.connect(target), listener.accept()]);
  return { listener, client, server: server!, target };
}

/** Where the tests listen: loopback, a free port. */
const LOOPBACK = { hostname: "127.0.0.1", port: 0 };

const transports: Array<[string, () => Promise<RuntimeTransport>]> = [
  ["default", defaultTransport],
  ["node", () => Promise.resolve(nodeTransport)],
];

for (const [label, get] of transports) {
  describe(`${label} transport`, () => {
    const endpoints = [
      { hostname: "127.0.0.1", port: 0 },
      { hostname: "::1", port: 0 },
      { path: socketPath(`transport-${label}`) },
    ];
    for (const endpoint of endpoints) {
      it(`echoes over ${"path" in endpoint ? "a unix socket" : endpoint.hostname}`, async () => {
        const transport = await get();
        const { listener, client, server } = await pair(transport, endpoint);
        const data = pattern(100_000);
        const echo = (async () => {
          const got = await readAll(server, data.length);
          await server.write(got);
        })();
        await client.write(data.subarray(0, 10));
        await client.write(data.subarray(10));
        assert.deepEqual(await readAll(client, data.length), data);
        await echo;
        await client.close();
        const { done } = await server.readable.getReader().read();
        assert.equal(done, true, "the peer's close ends the readable");
        await server.closed;
        await listener.close();
      });
    }

    it("writes 64 MB with backpressure to a slow reader, all bytes in order", async () => {
      const transport = await get();
      const { listener, client, server } = await pair(transport, LOOPBACK);
      const size = 64 << 20;
      const data = pattern(size);
      const reading = readAll(server, size, true);
      for (let offset = 0; offset < size; offset += 1 << 20) {
        await client.write(data.subarray(offset, offset + (1 << 20)));
      }
      const got = await reading;
      assert.ok(got.every((b, i) => b === data[i]), "content differs");
      await client.close();
      await listener.close();
    });

    it("ends the peer's readable on close, and refuses writes after close", async () => {
      const transport = await get();
      const { listener, client, server } = await pair(transport, LOOPBACK);
      await client.write(new Uint8Array([1, 2, 3]));
      await client.close();
      const reader = server.readable.getReader();
      const chunks: number[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(...value);
      }
      assert.deepEqual(chunks, [1, 2, 3]);
      await assert.rejects(client.write(new Uint8Array([4])), ConnectionClosedError);
      await server.close();
      await listener.close();
    });

    it("says where a refused connection went, and frees a closed listener's port", async () => {
      const transport = await get();
      const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.address as { port: number }).port;
      await listener.close();
      await assert.rejects(
        transport.connect({ hostname: "127.0.0.1", port }),
        (e: Error) => e instanceof CommunicationError && e.message.includes(`127.0.0.1:${port}`),
      );
      const again = await transport.listen({ hostname: "127.0.0.1", port });
      assert.equal((again.address as { port: number }).port, port);
      await again.close();
      assert.equal(await again.accept(), null);
    });

    it("sends and receives UDP datagrams", async () => {
      const transport = await get();
      const a = await transport.bindDatagram({ hostname: "127.0.0.1", port: 0 });
      const b = await transport.bindDatagram({ hostname: "127.0.0.1", port: 0 });
      a.setBroadcast(true);
      await a.send(new TextEncoder().encode("GET_NSURI"), "127.0.0.1", b.address.port);
      const got = await b.receive();
      assert.equal(new TextDecoder().decode(got!.data), "GET_NSURI");
      assert.equal(got!.port, a.address.port);
      await a.close();
      await b.close();
    });
  });
}

describe("transport selection", () => {
  it("picks the runtime's own adapter", async () => {
    const g = globalThis as Record<string, unknown>;
    const expected = "Deno" in g ? "deno" : "Bun" in g ? "bun" : "node";
    assert.equal((await defaultTransport()).name, expected);
  });
});

describe("memory transport", () => {
  it("pairs connections with socket semantics", async () => {
    const [a, b] = memoryPair();
    const buffer = new Uint8Array([1, 2, 3]);
    await a.write(buffer);
    buffer[0] = 99; // the writer may reuse its buffer
    assert.deepEqual(await readAll(b, 3), new Uint8Array([1, 2, 3]));
    await b.close();
    await a.closed;
    await assert.rejects(a.write(new Uint8Array([1])), ConnectionClosedError);
    const { done } = await a.readable.getReader().read();
    assert.equal(done, true);
  });

  it("applies backpressure to a writer whose reader does not read", async () => {
    const [a, b] = memoryPair();
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < 8; i++) {
        await a.write(new Uint8Array(512 * 1024));
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(written < 8, `the writer went on without a reader (${written} MB-halves written)`);
    await readAll(b, 8 * 512 * 1024);
    await writing;
    assert.equal(written, 8);
  });

  it("listens and connects by name", async () => {
    const transport = memoryTransport();
    const listener = await transport.listen({ path: "daemon" });
    const client = await transport.connect({ path: "daemon" });
    const server = (await listener.accept())!;
    await client.write(new Uint8Array([7]));
    assert.deepEqual(await readAll(server, 1), new Uint8Array([7]));
    await listener.close();
    await assert.rejects(transport.connect({ path: "daemon" }), CommunicationError);
  });
});

describe("datagram sockets", () => {
  it("find this machine's address toward a peer, as Pyro5's get_interface does", async () => {
    const transport = await defaultTransport();
    const socket = await transport.bindDatagram({ hostname: "0.0.0.0", port: 0 });
    try {
      assert.equal(await socket.localAddressToward?.("127.0.0.1", 9), "127.0.0.1");
      // An address nothing routes to has no interface: null, never a throw.
      assert.equal(await socket.localAddressToward?.("not-a-host.invalid", 9), null);
    } finally {
      await socket.close();
    }
  });
});
