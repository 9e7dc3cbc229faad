// Item 3 of the hardening: an idle connection holds no outbox buffer and only a small read
// buffer; a daemon holding many idle connections keeps serving new clients.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Proxy } from "../../client.ts";
import { Outbox } from "../../protocol/outbox.ts";
import { ReadBuffers } from "../../transport/buffers.ts";
import { servesNewClient, startChildDaemon } from "../hardening.ts";

describe("idle connections", () => {
  it("an outbox holds no buffer before its first message nor once everything is written", async () => {
    const outbox = new Outbox(true);
    let written = 0;
    outbox.add({ type: 5, serializerId: 4, seq: 1, payload: new Uint8Array(10) }, 1 << 20);
    await outbox.flush((chunk) => {
      written += chunk.length;
      return Promise.resolve();
    });
    assert.equal(written, 24 + 10 + 16);
    assert.equal(outbox.size, 0);
  });

  it("a read that did not fill its buffer is followed by one into a small buffer", () => {
    const buffers = new ReadBuffers();
    let into = buffers.next();
    assert.ok(into.length <= 4096);
    // A burst: reads that fill their buffers grow the next ones...
    for (let i = 0; i < 4; i++) {
      buffers.used(into, into.length);
      into = buffers.next();
    }
    assert.ok(into.length >= 32 * 1024);
    // ...and once the socket has no more, the (maybe long) wait happens in a small one.
    buffers.used(into, 100);
    assert.ok(buffers.next().length <= 4096);
  });

  it("2,000 held idle connections cost the daemon little, and it serves new clients", async () => {
    const child = await startChildDaemon({});
    const held: Proxy[] = [];
    try {
      const before = JSON.parse(await child.ask("heap")) as number[];
      for (let i = 0; i < 2000; i += 200) {
        const batch = Array.from({ length: 200 }, () => new Proxy(child.uri));
        await Promise.all(batch.map((p) => p._pyroBind()));
        held.push(...batch);
      }
      await servesNewClient(child.uri, 5000);
      const after = JSON.parse(await child.ask("heap")) as number[];
      const perConnection = (after[0] + after[1] - before[0] - before[1]) / held.length;
      console.log(`idle connection: ${(perConnection / 1024).toFixed(1)} KiB of JS heap+external`);
      // Generous (the runtime's own socket objects included): a 64 KiB buffer would fail it.
      assert.ok(perConnection < 32 * 1024, `${perConnection} bytes per idle connection`);
    } finally {
      await Promise.all(held.map((p) => p._pyroRelease()));
      await child.close();
    }
  });
});
