// The reader behind sockets that read into our buffers (Node's onread), scripted read by read,
// then a real loopback connection of the node transport carrying large and small messages.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BufferReader } from "../../transport/buffer_reader.ts";
import { nodeTransport } from "../../transport/node.ts";
import { MessageReader } from "../../protocol/message_stream.ts";
import { encodeMessage } from "../../protocol/message.ts";
import { MsgType } from "../../protocol/constants.ts";
import { ConnectionClosedError, MessageTooLargeError } from "../../errors.ts";
import { recordingFlow } from "../helpers.ts";

/**
 * Plays the socket: asks for the next buffer, writes `bytes` at its start, reports the read; as
 * many reads as it takes when the buffers given are smaller than `bytes`. Returns the first buffer.
 */
function deliver(reader: BufferReader, bytes: Uint8Array): Uint8Array {
  let first: Uint8Array | null = null;
  let at = 0;
  do {
    const into = reader.next();
    first ??= into;
    const k = Math.min(into.length, bytes.length - at);
    into.set(bytes.subarray(at, at + k));
    reader.filled(k, into);
    at += k;
  } while (at < bytes.length);
  return first;
}

function pattern(size: number, seed = 0): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);
}

describe("buffer reader", () => {
  it("hands out small reads as views of one buffer that later reads never overwrite", async () => {
    const reader = new BufferReader(recordingFlow());
    const first = deliver(reader, new Uint8Array([1, 2, 3]));
    const second = deliver(reader, new Uint8Array([4, 5]));
    assert.equal(first.buffer, second.buffer);
    const a = (await reader.read()).value!;
    const b = (await reader.read()).value!;
    assert.deepEqual([...a, ...b], [1, 2, 3, 4, 5]);
    deliver(reader, new Uint8Array([6]));
    assert.deepEqual([...a], [1, 2, 3]);
  });

  it("reads straight into a waiting readInto's view until it is full", async () => {
    const reader = new BufferReader(recordingFlow());
    deliver(reader, new Uint8Array(0)); // the read that was already given a buffer of ours
    const body = new Uint8Array(1000);
    const filling = reader.readInto(body);
    const data = pattern(1000);
    for (let at = 0; at < 1000; at += 300) {
      const into = reader.next();
      assert.equal(into.buffer, body.buffer, "the socket reads into the body itself");
      assert.equal(into.byteOffset, at);
      const n = Math.min(300, 1000 - at);
      into.set(data.subarray(at, at + n));
      reader.filled(n, into);
    }
    assert.equal(await filling, 1000);
    assert.deepEqual(body, data);
    // Afterwards reads go into buffers of its own again.
    assert.notEqual(reader.next().buffer, body.buffer);
  });

  it("copies a read that was given its own buffer before readInto began, and queues the excess", async () => {
    const reader = new BufferReader(recordingFlow());
    const given = reader.next(); // the socket took its next buffer before readInto began
    const body = new Uint8Array(4);
    const filling = reader.readInto(body);
    given.set([1, 2, 3, 4, 5, 6]);
    reader.filled(6, given);
    assert.equal(await filling, 4);
    assert.deepEqual([...body], [1, 2, 3, 4]);
    assert.deepEqual([...(await reader.read()).value!], [5, 6]);
  });

  it("gives bytes already queued at once, a chunk split where the view ends", async () => {
    const reader = new BufferReader(recordingFlow());
    deliver(reader, new Uint8Array([1, 2, 3]));
    deliver(reader, new Uint8Array([4, 5, 6]));
    const view = new Uint8Array(4);
    assert.equal(await reader.readInto(view), 4);
    assert.deepEqual([...view], [1, 2, 3, 4]);
    assert.deepEqual([...(await reader.read()).value!], [5, 6]);
  });

  it("ends a waiting readInto with the bytes it got, then null", async () => {
    const reader = new BufferReader(recordingFlow());
    deliver(reader, new Uint8Array(0));
    const body = new Uint8Array(10);
    const filling = reader.readInto(body);
    deliver(reader, new Uint8Array([9, 9, 9]));
    reader.end();
    assert.equal(await filling, 3);
    assert.equal(await reader.readInto(body), null);
    assert.equal((await reader.read()).done, true);
  });

  it("rejects a waiting readInto with the connection's error", async () => {
    const reader = new BufferReader(recordingFlow());
    const filling = reader.readInto(new Uint8Array(10));
    reader.fail(new ConnectionClosedError("reset by peer"));
    await assert.rejects(filling, /reset by peer/);
    await assert.rejects(reader.readInto(new Uint8Array(1)), /reset by peer/);
  });

  it("refuses a second read while readInto waits, and drops the socket on cancel", async () => {
    const f = recordingFlow();
    const reader = new BufferReader(f);
    const filling = reader.readInto(new Uint8Array(10));
    await assert.rejects(reader.read(), /one read at a time/);
    await reader.cancel();
    assert.equal(await filling, null);
    assert.deepEqual(f.calls, ["destroy"]);
  });

  it("pauses the socket when too much waits unread, and resumes it as readInto drains it", async () => {
    const f = recordingFlow();
    const reader = new BufferReader(f);
    for (let i = 0; i < 20; i++) deliver(reader, new Uint8Array(64 * 1024));
    assert.deepEqual(f.calls, ["pause"]);
    const all = new Uint8Array(20 * 64 * 1024);
    assert.equal(await reader.readInto(all), all.length);
    assert.deepEqual(f.calls, ["pause", "resume"]);
  });
});

describe("message reader over a buffer reader", () => {
  const payload = pattern(700_000, 3);
  const big = encodeMessage({ type: MsgType.RESULT, serializerId: 4, seq: 1, payload });
  const small = encodeMessage({
    type: MsgType.RESULT,
    serializerId: 4,
    seq: 2,
    payload: new Uint8Array([7, 8]),
  });

  it("decodes a large message read into place and a small one, delivered in odd pieces", async () => {
    const stream = new Uint8Array(big.length + small.length);
    stream.set(big);
    stream.set(small, big.length);
    const reader = new BufferReader(recordingFlow());
    const messages = new MessageReader(reader);
    let at = 0;
    // The socket side: reads of 1, 7, 1000 and 99,991 bytes in turn, each where next() says.
    const feeding = (async () => {
      const sizes = [1, 7, 1000, 99_991];
      for (let i = 0; at < stream.length; i++) {
        await new Promise((r) => setTimeout(r, 0));
        const into = reader.next();
        const n = Math.min(sizes[i % sizes.length], into.length, stream.length - at);
        into.set(stream.subarray(at, at + n));
        at += n;
        reader.filled(n, into);
      }
      reader.end();
    })();
    const first = await messages.read();
    assert.equal(first!.seq, 1);
    assert.deepEqual(first!.payload, payload);
    const second = await messages.read();
    assert.equal(second!.seq, 2);
    assert.deepEqual([...second!.payload], [7, 8]);
    assert.equal(await messages.read(), null);
    await feeding;
  });

  it("refuses an oversized message before allocating its body", async () => {
    const reader = new BufferReader(recordingFlow());
    const messages = new MessageReader(reader, { maxMessageSize: 100_000 });
    deliver(reader, big.subarray(0, 5000));
    await assert.rejects(messages.read(), MessageTooLargeError);
  });

  it("names how far a body got when the stream ends inside it", async () => {
    const reader = new BufferReader(recordingFlow());
    const messages = new MessageReader(reader);
    deliver(reader, big.subarray(0, 5000));
    const reading = messages.read();
    await new Promise((r) => setTimeout(r, 0));
    deliver(reader, big.subarray(5000, 300_000));
    reader.end();
    await assert.rejects(reading, (e: Error) => {
      assert.ok(e instanceof ConnectionClosedError);
      assert.match(e.message, /stream ended after \d+ of 700000 message body bytes/);
      return true;
    });
  });
});

describe("node transport client reading into place", () => {
  it("receives 8 MB and small messages intact over loopback", async () => {
    const listener = await nodeTransport.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.address as { port: number }).port;
    const [client, server] = await Promise.all([
      nodeTransport.connect({ hostname: "127.0.0.1", port }),
      listener.accept(),
    ]);
    try {
      const large = pattern(8_000_000, 5);
      const sent = [1, 2, 3].map((seq) =>
        encodeMessage({
          type: MsgType.RESULT,
          serializerId: 4,
          seq,
          payload: seq === 2 ? large : new Uint8Array([seq]),
        })
      );
      const writing = Promise.all(sent.map((m) => server!.write(m)));
      const messages = new MessageReader(client.chunks!());
      for (const seq of [1, 2, 3]) {
        const m = await messages.read();
        assert.equal(m!.seq, seq);
        if (seq === 2) assert.deepEqual(m!.payload, large);
        else assert.deepEqual([...m!.payload], [seq]);
      }
      await writing;
    } finally {
      await client.close();
      await server!.close();
      await listener.close();
    }
  });
});
