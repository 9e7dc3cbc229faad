import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChunkQueue, READ_HIGH_WATER_MARK, readableOf } from "../../transport/chunk_queue.ts";
import { recordingFlow } from "../helpers.ts";

describe("chunk queue", () => {
  it("hands a chunk to a waiting read, and queued chunks in order", async () => {
    const q = new ChunkQueue(recordingFlow());
    const waiting = q.read();
    q.push(new Uint8Array([1]));
    assert.deepEqual(await waiting, { done: false, value: new Uint8Array([1]) });
    q.push(new Uint8Array([2]));
    q.push(new Uint8Array([3]));
    assert.deepEqual((await q.read()).value, new Uint8Array([2]));
    assert.deepEqual((await q.read()).value, new Uint8Array([3]));
  });

  it("pauses the socket over the high-water mark and resumes it once half is read", async () => {
    const s = recordingFlow();
    const q = new ChunkQueue(s);
    const quarter = READ_HIGH_WATER_MARK / 4;
    for (let i = 0; i < 4; i++) q.push(new Uint8Array(quarter));
    assert.deepEqual(s.calls, ["pause"]);
    await q.read();
    assert.deepEqual(s.calls, ["pause"]);
    await q.read();
    await q.read();
    assert.deepEqual(s.calls, ["pause", "resume"]);
  });

  it("reads the queued chunks before the end, then done", async () => {
    const q = new ChunkQueue(recordingFlow());
    q.push(new Uint8Array([7]));
    q.end();
    q.push(new Uint8Array([8])); // after the end: dropped
    assert.deepEqual((await q.read()).value, new Uint8Array([7]));
    assert.equal((await q.read()).done, true);
    assert.equal((await q.read()).done, true);
  });

  it("rejects a waiting read with the connection's error", async () => {
    const q = new ChunkQueue(recordingFlow());
    const waiting = q.read();
    q.fail(new Error("reset by peer"));
    await assert.rejects(waiting, /reset by peer/);
    await assert.rejects(q.read(), /reset by peer/);
  });

  it("refuses a second read while one waits", async () => {
    const q = new ChunkQueue(recordingFlow());
    const first = q.read();
    await assert.rejects(q.read(), /one read at a time/);
    q.end();
    assert.equal((await first).done, true);
  });

  it("drops the connection on cancel and ends a waiting read", async () => {
    const s = recordingFlow();
    const q = new ChunkQueue(s);
    const waiting = q.read();
    await q.cancel();
    assert.equal((await waiting).done, true);
    assert.deepEqual(s.calls, ["destroy"]);
  });

  it("serves a readable stream on top", async () => {
    const q = new ChunkQueue(recordingFlow());
    q.push(new Uint8Array([1, 2]));
    q.push(new Uint8Array([3]));
    q.end();
    const got: number[] = [];
    for await (const chunk of readableOf(q)) got.push(...chunk);
    assert.deepEqual(got, [1, 2, 3]);
  });
});
