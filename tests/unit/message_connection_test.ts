// The message connection both sides stand on: messages queued in one turn go out in one write,
// compression above the threshold, limits, and the end of the stream.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MessageConnection } from "../../protocol/message_connection.ts";
import { Flags, MsgType } from "../../protocol/mod.ts";
import { memoryPair } from "../../transport/mod.ts";
import type { Connection } from "../../transport/types.ts";
import { MessageTooLargeError } from "../../errors.ts";

/** Counts the writes of a connection. */
function counting(connection: Connection): { connection: Connection; writes: () => number } {
  let writes = 0;
  const counted: Connection = {
    readable: connection.readable,
    chunks: connection.chunks?.bind(connection),
    writesComplete: connection.writesComplete,
    closed: connection.closed,
    localAddress: connection.localAddress,
    remoteAddress: connection.remoteAddress,
    close: () => connection.close(),
    write: (chunk) => {
      writes++;
      return connection.write(chunk);
    },
  };
  return { connection: counted, writes: () => writes };
}

const ping = (seq: number, payload = new Uint8Array(4)) => ({
  type: MsgType.PING,
  serializerId: 42,
  seq,
  payload,
});

describe("MessageConnection", () => {
  it("writes what was queued in one write, and the peer reads it message by message", async () => {
    const [a, b] = memoryPair();
    const { connection, writes } = counting(a);
    const here = new MessageConnection(connection, { maxMessageSize: 1 << 20 });
    const there = new MessageConnection(b, { maxMessageSize: 1 << 20 });
    for (let seq = 1; seq <= 3; seq++) assert.equal(here.queue(ping(seq)), undefined);
    assert.equal(here.queued, 3);
    await here.flush();
    assert.equal(writes(), 1);
    assert.equal(here.queued, 0);
    const seqs = [];
    for (let i = 0; i < 3; i++) seqs.push((await there.read())!.seq);
    assert.deepEqual(seqs, [1, 2, 3]);
    await here.close();
    assert.equal(await there.read(), null);
  });

  it("compresses payloads over 100 bytes when asked, and the peer inflates them", async () => {
    const [a, b] = memoryPair();
    const here = new MessageConnection(a, { maxMessageSize: 1 << 20, compress: true });
    const there = new MessageConnection(b, { maxMessageSize: 1 << 20 });
    assert.equal(here.queue(ping(1)), undefined); // small: at once, as it is
    const big = new Uint8Array(5000).fill(7);
    await here.queue(ping(2, big)); // large: once compressed
    await here.queue(ping(3, big), false); // large, but not to be compressed
    await here.flush();
    const [one, two, three] = [await there.read(), await there.read(), await there.read()];
    assert.equal(one!.payload.length, 4);
    assert.deepEqual(two!.payload, big);
    assert.equal(two!.flags & Flags.COMPRESSED, 0); // inflated on reading
    assert.deepEqual(three!.payload, big);
    await here.close();
  });

  it("refuses a message over the limit at once, queueing nothing", () => {
    const [a] = memoryPair();
    const here = new MessageConnection(a, { maxMessageSize: 100 });
    assert.throws(() => here.queue(ping(1, new Uint8Array(200))), MessageTooLargeError);
    assert.equal(here.queued, 0);
    return a.close();
  });
});
