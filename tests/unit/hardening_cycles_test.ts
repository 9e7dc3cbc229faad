// Item 7 of the hardening: memory comes back. 1,000 connect/handshake/close cycles leave neither
// descriptors nor memory behind, and after a load of large calls the daemon's memory returns
// near its baseline (measured in a child process after a forced garbage collection).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Proxy } from "../../client.ts";
import { startChildDaemon } from "../hardening.ts";

const MB = 1e6;

async function cycles(uri: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: 50 }, async () => {
      const p = new Proxy(uri);
      await p._pyroBind();
      await p._pyroRelease();
    }));
  }
}

/** Waits until `ask()` gives at most `limit`, or returns the last value after ~5 s. */
async function settles(ask: () => Promise<number>, limit: number): Promise<number> {
  let value = await ask();
  for (let i = 0; i < 50 && value > limit; i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await ask();
  }
  return value;
}

/** The child's JS heap plus external (ArrayBuffer) memory, after a forced collection. */
async function heapOf(ask: (command: string) => Promise<string>): Promise<number> {
  const [heap, external] = JSON.parse(await ask("heap")) as number[];
  return heap + external;
}

describe("memory comes back", () => {
  it("1,000 connect/handshake/close cycles leave no descriptors nor memory behind", async () => {
    const child = await startChildDaemon({});
    try {
      await cycles(child.uri, 200); // warm up: code compiled, pools filled
      const fds = Number(await child.ask("fds"));
      const mem = Number(await child.ask("mem"));
      const heap = await heapOf(child.ask);
      await cycles(child.uri, 1000);
      const fdsAfter = await settles(async () => Number(await child.ask("fds")), fds);
      const memAfter = Number(await child.ask("mem"));
      const heapAfter = await heapOf(child.ask);
      console.log(
        `1,000 cycles: ${fdsAfter - fds} descriptors, heap ${
          ((heapAfter - heap) / MB).toFixed(1)
        } MB, RSS ${((memAfter - mem) / MB).toFixed(1)} MB`,
      );
      // Not one per connection (a runtime may open a descriptor or two of its own lazily).
      assert.ok(fdsAfter <= fds + 2, `${fdsAfter - fds} descriptors left behind`);
      // A leak of a connection's state (>= 5 KB each) would exceed it. RSS is reported, not
      // asserted: allocators keep freed pages for a while.
      assert.ok(heapAfter - heap < 5 * MB, `${heapAfter - heap} bytes more after 1,000 cycles`);
    } finally {
      await child.close();
    }
  });

  it("after a load of large calls, memory returns near the baseline", async () => {
    const child = await startChildDaemon({});
    try {
      {
        await using p = new Proxy(child.uri);
        await p.echo(1);
      }
      const base = Number(await child.ask("mem"));
      const heap = await heapOf(child.ask);
      const big = "x".repeat(5 * MB);
      await Promise.all(Array.from({ length: 8 }, async () => {
        await using p = new Proxy(child.uri);
        for (let i = 0; i < 5; i++) assert.equal(await p.sizeOf(big), big.length);
      }));
      const after = await settles(async () => Number(await child.ask("mem")), base + 40 * MB);
      const heapAfter = await settles(() => heapOf(child.ask), heap + 5 * MB);
      console.log(
        `after 200 MB of calls: heap ${((heapAfter - heap) / MB).toFixed(1)} MB, RSS ${
          ((after - base) / MB).toFixed(1)
        } MB over the baseline`,
      );
      assert.ok(heapAfter - heap < 5 * MB, `${((heapAfter - heap) / MB).toFixed(1)} MB kept`);
    } finally {
      await child.close();
    }
  });
});
