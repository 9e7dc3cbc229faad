// Chunks whose bytes were all copied are given back to the transport at once; chunks that
// decoded messages still view are not.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder } from "../../protocol/frame_decoder.ts";
import { MessageReader } from "../../protocol/message_stream.ts";
import { encodeMessage } from "../../protocol/message.ts";
import { MsgType } from "../../protocol/constants.ts";
import { ChunkQueue } from "../../transport/chunk_queue.ts";

const noFlow = { pause() {}, resume() {}, destroy() {} };

function message(seq: number, size: number): Uint8Array {
  const payload = new Uint8Array(size).map((_, i) => (i + seq) & 0xff);
  return encodeMessage({ type: MsgType.RESULT, serializerId: 4, seq, payload });
}

/** Each chunk a buffer of its own, as Node's data events and Bun give them. */
function ownChunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

describe("freeing copied chunks", () => {
  it("the decoder says when its messages view the chunk it was given", () => {
    const decoder = new FrameDecoder();
    const small = message(1, 10);
    decoder.push(small);
    assert.equal(decoder.keptChunk, true, "a whole message inside the chunk is a view of it");
    const big = message(2, 5000);
    decoder.push(big.subarray(0, 100));
    assert.equal(decoder.keptChunk, false, "a header and the start of a body: both copied");
    const [done] = decoder.push(big.subarray(100));
    assert.equal(decoder.keptChunk, false, "the rest of a body: copied into it");
    assert.equal(done.payload.length, 5000);
  });

  it("a correlation id is a view of the chunk, which is then kept, and stays right", () => {
    const id = (n: number) => new Uint8Array(16).fill(n);
    const withId = (seq: number, size: number) =>
      encodeMessage({
        type: MsgType.RESULT,
        serializerId: 4,
        seq,
        payload: new Uint8Array(size),
        correlationId: id(seq),
      });
    const decoder = new FrameDecoder();
    const big = withId(1, 5000);
    decoder.push(big.subarray(0, 100));
    assert.equal(decoder.keptChunk, true, "the header's chunk holds the correlation id");
    const [first] = decoder.push(big.subarray(100));
    assert.deepEqual(first.correlationId, id(1));
    // A header split over chunks is copied together: the id survives the next header.
    const two = new Uint8Array([...withId(2, 3), ...withId(3, 3)]);
    const [second] = decoder.push(two.subarray(0, 30));
    assert.equal(second, undefined);
    const [m2, m3] = decoder.push(two.subarray(30));
    assert.deepEqual(m2.correlationId, id(2));
    assert.deepEqual(m3.correlationId, id(3));
    const m4 = decoder.push(withId(4, 3).subarray(0, 20));
    assert.equal(m4.length, 0);
    assert.deepEqual(m2.correlationId, id(2), "unchanged by the next header's bytes");
  });

  it("the message reader releases exactly the chunks no message views, and messages stay whole", async () => {
    const stream = new Uint8Array([...message(1, 50_000), ...message(2, 3), ...message(3, 7)]);
    const queue = new ChunkQueue(noFlow);
    const released: Uint8Array[] = [];
    const release = queue.release.bind(queue);
    queue.release = (chunk: Uint8Array) => {
      released.push(chunk);
      release(chunk);
    };
    const chunks = ownChunks(stream, 4096);
    for (const c of chunks) queue.push(c);
    queue.end();
    const reader = new MessageReader(queue);
    const got = [];
    for (let m = await reader.read(); m !== null; m = await reader.read()) got.push(m);
    assert.deepEqual(got.map((m) => m.seq), [1, 2, 3]);
    assert.deepEqual(got[0].payload, new Uint8Array(50_000).map((_, i) => (i + 1) & 0xff));
    assert.deepEqual([...got[1].payload], [2, 3, 4]);
    assert.deepEqual([...got[2].payload], [3, 4, 5, 6, 7, 8, 9]);
    // All but the last chunk (which holds messages 2 and 3 whole) were copied and freed.
    assert.equal(released.length, chunks.length - 1);
    for (const c of released) assert.equal(c.byteLength, 0, "detached: its memory is freed");
  });

  it("the queue frees only a chunk that spans its whole buffer", () => {
    const queue = new ChunkQueue(noFlow);
    const own = new Uint8Array(100);
    queue.release(own);
    assert.equal(own.buffer.byteLength, 0);
    const shared = new Uint8Array(100);
    const part = shared.subarray(0, 50);
    queue.release(part);
    assert.equal(shared.buffer.byteLength, 100, "a view of part of a buffer is left alone");
  });
});
