// The outbox lays messages out back to back in a buffer of its own and writes them in order:
// the bytes are exactly those of encodeMessage, a burst is one write, a large payload is never
// copied, and bytes still being written are never overwritten.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Outbox } from "../../protocol/outbox.ts";
import { encodeMessage, type MessageInit, SEPARATE_PAYLOAD_SIZE } from "../../protocol/message.ts";
import { MessageTooLargeError, ProtocolError } from "../../errors.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { tuple } from "../../serializers/types.ts";
import { concatBytes } from "../helpers.ts";

function init(seq: number, size: number, extra: Partial<MessageInit> = {}): MessageInit {
  return {
    type: 5,
    serializerId: 4,
    seq,
    payload: new Uint8Array(size).map((_, i) => (i * 7 + seq) & 0xff),
    ...extra,
  };
}

/** A write that keeps a copy of what it was given, as a socket does. */
function recorder() {
  const writes: Uint8Array[] = [];
  const write = (chunk: Uint8Array) => {
    writes.push(chunk.slice());
    return Promise.resolve();
  };
  return { writes, write };
}

describe("outbox", () => {
  for (const reuse of [true, false]) {
    it(`writes the bytes of encodeMessage, a burst in one write (reuse ${reuse})`, async () => {
      const outbox = new Outbox(reuse);
      const { writes, write } = recorder();
      const inits = [
        init(1, 10),
        init(2, 0, { correlationId: new Uint8Array(16).fill(0xab) }),
        init(3, 300, { annotations: { XTRA: new Uint8Array([1, 2]), CORR: new Uint8Array(0) } }),
        init(4, 5, { flags: 0x40 }), // CORR_ID without an id: cleared, as encodeMessage does
      ];
      for (const m of inits) outbox.add(m, 1 << 20);
      assert.equal(outbox.count, 4);
      assert.equal(outbox.size, inits.reduce((n, m) => n + encodeMessage(m).length, 0));
      await outbox.flush(write);
      assert.equal(writes.length, 1);
      assert.deepEqual(writes[0], concatBytes(inits.map((m) => encodeMessage(m))));
      assert.equal(outbox.count, 0);
      // A later burst, where the first one was (reused) or after it: the same bytes again.
      outbox.add(inits[2], 1 << 20);
      outbox.add(inits[0], 1 << 20);
      await outbox.flush(write);
      assert.deepEqual(writes[1], concatBytes([encodeMessage(inits[2]), encodeMessage(inits[0])]));
    });
  }

  it("a large payload is written as it is, after its header, and given back by flush", async () => {
    const outbox = new Outbox(true);
    const writes: Uint8Array[] = [];
    const big = init(2, SEPARATE_PAYLOAD_SIZE);
    outbox.add(init(1, 3), 1 << 30);
    outbox.add(big, 1 << 30);
    outbox.add(init(3, 4), 1 << 30);
    const large = await outbox.flush((c) => Promise.resolve(void writes.push(c.slice())));
    assert.deepEqual(large, [big.payload]);
    assert.equal(writes.length, 3);
    assert.deepEqual(
      concatBytes(writes),
      concatBytes([encodeMessage(init(1, 3)), encodeMessage(big), encodeMessage(init(3, 4))]),
    );
  });

  it("keeps a burst larger than its buffer in one write", async () => {
    const outbox = new Outbox(true);
    const { writes, write } = recorder();
    const inits = Array.from({ length: 2000 }, (_, i) => init(i, 100));
    for (const m of inits) outbox.add(m, 1 << 20);
    await outbox.flush(write);
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0], concatBytes(inits.map((m) => encodeMessage(m))));
  });

  it("never overwrites bytes a write still holds, with or without reuse", async () => {
    for (const reuse of [true, false]) {
      const outbox = new Outbox(reuse);
      const held: Array<{ chunk: Uint8Array; copy: Uint8Array; done: () => void }> = [];
      // A slow transport: the write holds the chunk itself until it is told to finish.
      const write = (chunk: Uint8Array) =>
        new Promise<void>((done) => held.push({ chunk, copy: chunk.slice(), done }));
      outbox.add(init(1, 50), 1 << 20);
      const first = outbox.flush(write);
      outbox.add(init(2, 50), 1 << 20);
      const second = outbox.flush(write);
      await Promise.resolve();
      outbox.add(init(3, 50), 1 << 20); // queued while both writes are in flight
      for (const h of held) assert.deepEqual(h.chunk, h.copy);
      for (const h of held) h.done();
      await Promise.all([first, second]);
      for (const h of held) assert.deepEqual(h.chunk, h.copy);
      const { writes, write: record } = recorder();
      await outbox.flush(record);
      assert.deepEqual(writes[0], encodeMessage(init(3, 50)));
      // Once every write is done, a reusing outbox starts again at the front of its buffer.
      outbox.add(init(4, 50), 1 << 20);
      let chunk: Uint8Array | undefined;
      await outbox.flush((c) => Promise.resolve(void (chunk = c)));
      assert.equal(chunk!.byteOffset === 0, reuse);
    }
  });

  it("writes a payload given in parts from its large parts themselves, freeing none", async () => {
    const outbox = new Outbox(true);
    const writes: Uint8Array[] = [];
    const theirs = new Uint8Array(SEPARATE_PAYLOAD_SIZE).fill(3);
    const parts = [new Uint8Array([1, 2]), theirs, new Uint8Array([4])];
    const whole = concatBytes(parts);
    outbox.add({ type: 5, serializerId: 4, seq: 9, payload: parts }, 1 << 30);
    outbox.add(init(10, 2), 1 << 30);
    const large = await outbox.flush((c) => Promise.resolve(void writes.push(c)));
    assert.deepEqual(large, [], "not the outbox's to free");
    assert.ok(writes.includes(theirs), "written as it is");
    assert.deepEqual(
      concatBytes(writes),
      concatBytes([encodeMessage(init(9, 0, { payload: whole })), encodeMessage(init(10, 2))]),
    );
    assert.throws(
      () => outbox.add({ type: 5, serializerId: 4, seq: 1, payload: parts }, 100),
      MessageTooLargeError,
    );
    assert.equal(outbox.count, 0);
  });

  it("queues nothing for a message it cannot encode", async () => {
    const outbox = new Outbox(true);
    assert.throws(() => outbox.add(init(1, 100), 50), MessageTooLargeError);
    assert.throws(
      () => outbox.add(init(1, 1, { annotations: { TOOLONG: new Uint8Array(1) } }), 1 << 20),
      ProtocolError,
    );
    assert.equal(outbox.count, 0);
    assert.equal(outbox.size, 0);
    const { writes, write } = recorder();
    await outbox.flush(write);
    assert.equal(writes.length, 0);
  });

  it("serializers' transient output is a view of scratch memory; dumps stays a copy", () => {
    for (const name of ["msgpack", "marshal", "serpent", "json"] as const) {
      const serializer = getSerializer(name);
      const copy = serializer.dumps("first");
      const transient = serializer.dumpsTransient!("first");
      assert.deepEqual(transient, copy);
      serializer.dumpsTransient!("other");
      assert.notDeepEqual(transient, copy, `${name}: the view is reused by the next call`);
      assert.deepEqual(serializer.loads(copy), "first");
      // vargs go as a Python proxy sends them, a tuple, marked or not.
      for (const vargs of [[], [1], ["a", [2.5, null]]]) {
        for (const kwargs of [null, { k: 1 }]) {
          assert.deepEqual(
            serializer.dumpsCallTransient!("obj", "m", vargs, kwargs),
            serializer.dumpsCall("obj", "m", tuple(...vargs), kwargs),
            `${name} ${JSON.stringify(vargs)} ${JSON.stringify(kwargs)}`,
          );
        }
      }
      const cyclic: unknown[] = [];
      cyclic.push(cyclic);
      assert.throws(() => serializer.dumpsCallTransient!("obj", "m", cyclic, null));
      // Large output is never a view that the next call could overwrite.
      const big = serializer.dumpsTransient!("x".repeat(SEPARATE_PAYLOAD_SIZE)) as Uint8Array;
      const before = big.slice();
      serializer.dumpsTransient!("y".repeat(SEPARATE_PAYLOAD_SIZE));
      assert.deepEqual(big, before);
    }
  });

  it("serializers give large bytes values as parts of their own, not copies", () => {
    const bytes = new Uint8Array(SEPARATE_PAYLOAD_SIZE).map((_, i) => i & 0xff);
    const value = { first: "a", data: bytes, list: [1, bytes.subarray(1)], last: 2.5 };
    for (const name of ["msgpack", "marshal"] as const) {
      const serializer = getSerializer(name);
      const parts = serializer.dumpsTransient!(value) as Uint8Array[];
      assert.ok(Array.isArray(parts), name);
      assert.ok(parts.includes(bytes), `${name}: the value's own array is a part`);
      assert.deepEqual(
        concatBytes(parts),
        serializer.dumps(value),
        `${name}: the same bytes as dumps`,
      );
      // The next call does not change parts already given.
      const before = concatBytes(parts);
      serializer.dumpsTransient!({ other: "value", n: 12345 });
      assert.deepEqual(concatBytes(parts), before);
      const call = serializer.dumpsCallTransient!("obj", "m", [bytes], null) as Uint8Array[];
      assert.deepEqual(concatBytes(call), serializer.dumpsCall("obj", "m", [bytes], null));
    }
    // marshal sorts a set's members by their bytes, so those stay in its buffer.
    const marshal = getSerializer("marshal");
    const set = new Set([bytes, "x"]);
    const out = marshal.dumpsTransient!(set);
    assert.ok(out instanceof Uint8Array);
    assert.deepEqual(out, marshal.dumps(set));
  });
});
