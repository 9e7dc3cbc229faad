import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../serializers/mod.ts";
import { fromBase64, toBase64, utf8Encoder, utf8Length } from "../../serializers/text.ts";
import { pythonStrRepr, SERPENT_HEADER } from "../../serializers/serpent_writer.ts";
import { tuple } from "../../serializers/types.ts";
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

  it("utf8Length counts as TextEncoder writes, pairs across its chunks included", () => {
    const chunk = 1 << 15;
    const cases = [
      "x".repeat(chunk - 1) + "\u{1F600}".repeat(3),
      "x".repeat(chunk - 1) + "\ud800" + "x".repeat(10),
      "\udc00" + "é".repeat(chunk) + "漢\ud83d",
      "\u{1F600}".repeat(chunk),
      "a".repeat(3 * chunk + 7),
      "hé\u{1F600}",
    ];
    for (const s of cases) assert.equal(utf8Length(s), utf8Encoder.encode(s).length);
  });

  // A 4 MB string, in values and calls; the text writers keep such a string apart from the text
  // around it (see utf8Pieces), which must change no byte. Those that need escapes, written as
  // before, one character at a time, are shorter: 4 MB of them take seconds.
  const big = "x".repeat(4_000_000);
  const escaped = "x".repeat(100_000);
  const strings = {
    plain: big,
    "single quotes": big + "'",
    "non-ASCII": big + "é漢\u{1F600}",
    "both quotes": escaped + `'"`,
    "a backslash": escaped + "\\",
    "a control character": escaped + "\n",
    "a lone surrogate": escaped + "\ud800",
  };
  const pyList = (items: string[]) => "[" + items.join(",") + "]";
  const jsList = (items: string[]) => "[" + items.join(", ") + "]";
  for (const [label, s] of Object.entries(strings)) {
    it(`serpent and json write a long string with ${label} as before, and read it back`, () => {
      const serpent = getSerializer("serpent");
      const json = getSerializer("json");
      const r = pythonStrRepr(s);
      const j = JSON.stringify(s);
      const expect = (data: Uint8Array | Uint8Array[], text: string) => {
        assert.ok(data instanceof Uint8Array);
        assert.ok(Buffer.from(data).equals(Buffer.from(text, "utf8")), text.slice(-40));
      };
      expect(serpent.dumps(s), SERPENT_HEADER + r);
      expect(serpent.dumpsTransient!([s, 1, s]), SERPENT_HEADER + pyList([r, "1", r]));
      expect(
        serpent.dumpsCall("obj", "echo", [s], { k: s }),
        SERPENT_HEADER + `('obj','echo',${pyList([r])},{'k':${r}})`,
      );
      expect(
        serpent.dumpsCallTransient!("obj", "echo", [s], null),
        SERPENT_HEADER + `('obj','echo',(${r},),None)`,
      );
      if (s.isWellFormed()) {
        assert.equal(serpent.loads(serpent.dumps(s)), s);
        assert.deepEqual(serpent.loads(serpent.dumps(tuple(s, 2))), tuple(s, 2));
      }
      // What Python's json.dumps(ensure_ascii=False) writes for a str, JSON.stringify writes too.
      expect(json.dumps(s), j);
      expect(json.dumpsTransient!({ a: [s, s] }), `{"a": ${jsList([j, j])}}`);
      expect(
        json.dumpsCall("obj", "echo", [s], null),
        `{"object": "obj", "method": "echo", "params": ${jsList([j])}, "kwargs": null}`,
      );
      assert.equal(json.loads(json.dumps(s)), s);
    });
  }

  it("serpent and json write as before after a dump with a long string failed", () => {
    for (const name of ["serpent", "json"]) {
      const s = getSerializer(name);
      assert.throws(() => s.dumps([big, () => 1]));
      assert.deepEqual(s.loads(s.dumps(["a", big])), ["a", big]);
      assert.equal(s.loads(s.dumps("after")), "after");
    }
  });

  it("serpent and json encode a long string as it is, never joined to the text around it", () => {
    // Joining makes a flat copy of the string first: one copy more at the peak. Every string
    // given to the encoder is recorded; none may be longer than the value.
    const seen: number[] = [];
    const encoder = utf8Encoder as unknown as Record<string, unknown>;
    const { encode, encodeInto } = TextEncoder.prototype;
    encoder.encode = (s: string) => (seen.push(s.length), encode.call(utf8Encoder, s));
    encoder.encodeInto = (s: string, into: Uint8Array) => (
      seen.push(s.length), encodeInto.call(utf8Encoder, s, into)
    );
    try {
      for (const name of ["serpent", "json"]) {
        const s = getSerializer(name);
        for (const dump of [() => s.dumps(big), () => s.dumpsCall("obj", "echo", [big], null)]) {
          seen.length = 0;
          dump();
          assert.ok(seen.includes(big.length), `${name}: the string was not encoded by itself`);
          assert.ok(Math.max(...seen) <= big.length, `${name}: the string was encoded joined`);
        }
      }
    } finally {
      delete encoder.encode;
      delete encoder.encodeInto;
    }
  });
});
