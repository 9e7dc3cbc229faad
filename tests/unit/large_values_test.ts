import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../serializers/mod.ts";
import { fromBase64, toBase64 } from "../../serializers/text.ts";
import { Buffer } from "node:buffer";
import { encodeMessageParts } from "../../protocol/message.ts";

describe("large values without copies", () => {
  it("keeps a large payload apart from its header, the bytes unchanged", () => {
    const payload = new Uint8Array(1 << 16).fill(9);
    const parts = encodeMessageParts({ type: 5, serializerId: 4, seq: 1, payload });
    assert.equal(parts.length, 2);
    assert.equal(parts[1], payload);
    const small = encodeMessageParts({
      type: 5,
      serializerId: 4,
      seq: 1,
      payload: new Uint8Array(10),
    });
    assert.equal(small.length, 1);
  });

  it("base64 without the runtime's own toBase64 gives the same text, also for 10 MB", () => {
    const check = (bytes: Uint8Array) => {
      // An own undefined toBase64 hides the native one, as on runtimes that lack it.
      const plain = Object.defineProperty(bytes.slice(), "toBase64", { value: undefined });
      const text = toBase64(plain);
      assert.equal(text, Buffer.from(bytes).toString("base64"));
      assert.deepEqual(fromBase64(text), bytes);
    };
    for (let n = 0; n < 20; n++) {
      check(Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255));
    }
    check(new Uint8Array(10_000_000).fill(0x61));
  });

  for (const name of ["msgpack", "marshal"] as const) {
    it(`${name}: a large bytes value that is most of the data is a view, small ones copies`, () => {
      const s = getSerializer(name);
      const big = new Uint8Array(100_000).fill(7);
      const data = s.dumps(big);
      const back = s.loads(data) as Uint8Array;
      assert.deepEqual(back, big);
      assert.equal(back.buffer, data.buffer, "expected a view of the received bytes");
      const few = s.loads(s.dumps(new Uint8Array([1, 2, 3]))) as Uint8Array;
      assert.deepEqual(few, new Uint8Array([1, 2, 3]));
      // Two large values, each less than half of the data: copies, so neither pins the other.
      const pair = s.dumps([big, big]);
      const [a, b] = s.loads(pair) as Uint8Array[];
      assert.notEqual(a.buffer, pair.buffer);
      assert.deepEqual(b, big);
    });

    it(`${name}: a large result is handed out whole and the encoder keeps working`, () => {
      const s = getSerializer(name);
      const first = s.dumps(new Uint8Array(200_000).fill(1));
      const second = s.dumps(new Uint8Array(200_000).fill(2));
      assert.notEqual(first.buffer, second.buffer);
      assert.deepEqual(s.loads(first), new Uint8Array(200_000).fill(1));
      assert.deepEqual(s.loads(second), new Uint8Array(200_000).fill(2));
      assert.deepEqual(s.loads(s.dumps("after")), "after");
    });
  }
});
