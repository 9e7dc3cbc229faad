// Item 4 of the hardening: peers that send requests but never read the replies. The daemon
// stops reading such a peer while its replies wait (backpressure), so it holds a bounded amount
// for it, keeps serving others, and drops it after COMMTIMEOUT when that is set.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { encodeMessage, MsgType } from "../../protocol/mod.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { servesNewClient, startChildDaemon, within } from "../hardening.ts";

const MB = 1e6;
const marshal = getSerializer("marshal");
const connect = encodeMessage({
  type: MsgType.CONNECT,
  serializerId: marshal.id,
  seq: 0,
  payload: marshal.dumps({ handshake: "hello", object: "echo" }),
});
const call = encodeMessage({
  type: MsgType.INVOKE,
  serializerId: marshal.id,
  seq: 1,
  payload: marshal.dumpsCall("echo", "echo", ["x".repeat(MB)], {}),
});

/**
 * Peers (a Python process) that handshake, then pipeline `calls` 1 MB echoes each and never read
 * a byte. Closing the returned handle ends them.
 */
async function nonReaders(
  port: number,
  peers: number,
  calls: number,
): Promise<{ dropped: Promise<void>; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "pyro5-nonreader-"));
  const file = join(dir, "requests");
  const bytes = new Uint8Array(connect.length + calls * call.length);
  bytes.set(connect);
  for (let i = 0; i < calls; i++) bytes.set(call, connect.length + i * call.length);
  writeFileSync(file, bytes);
  const child = spawn(pythonPath(), [
    `${ROOT}tests/fixtures/non_reader.py`,
    "127.0.0.1",
    String(port),
    String(peers),
    file,
  ], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  let sending!: () => void;
  let allDropped!: () => void;
  const started = new Promise<void>((r) => sending = r);
  const dropped = new Promise<void>((r) => allDropped = r);
  let count = 0;
  // "all sent" would mean a peer never got stuck; then "dropped" never comes for it.
  lines.on("line", (line) => {
    if (line === "sending") sending();
    if (line === "dropped" && ++count === peers) allDropped();
  });
  await started;
  return {
    dropped,
    stop() {
      child.stdin!.end();
      child.kill();
      lines.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("peers that never read", () => {
  it("cost a bounded amount each while the daemon serves others", async () => {
    const child = await startChildDaemon({});
    let peers: { dropped: Promise<void>; stop(): void } | null = null;
    try {
      const base = Number(await child.ask("mem"));
      peers = await nonReaders(child.port, 10, 60); // 600 MB of replies nobody reads
      await new Promise((r) => setTimeout(r, 2000));
      await servesNewClient(child.uri, 2000);
      const held = Number(await child.ask("mem")) - base;
      console.log(`10 non-reading peers: the daemon holds ${(held / MB).toFixed(1)} MB`);
      // A request, its reply and the read buffer per peer: never the replies they asked for.
      assert.ok(held < 300 * MB, `${held} bytes held for 10 peers`);
    } finally {
      peers?.stop();
      await child.close();
    }
  });

  it("are dropped after COMMTIMEOUT", async () => {
    const child = await startChildDaemon({ COMMTIMEOUT: 1 });
    let peers: { dropped: Promise<void>; stop(): void } | null = null;
    try {
      peers = await nonReaders(child.port, 5, 30);
      await servesNewClient(child.uri, 2000);
      // Each stuck peer is dropped once it read nothing for COMMTIMEOUT (generous bound).
      await within(peers.dropped, 20_000, "dropping the peers that read nothing");
      await servesNewClient(child.uri);
    } finally {
      peers?.stop();
      await child.close();
    }
  });
});
