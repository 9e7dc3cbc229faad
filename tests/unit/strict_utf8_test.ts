// Strict UTF-8 in the deserializers: invalid bytes are refused whatever their size (a large input
// is decoded leniently first, then again strictly when the text shows a U+FFFD), a genuine U+FFFD
// stays, and a leading U+FEFF in a string value is kept, as Python keeps it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SerializeError } from "../../errors.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { StrictUtf8Decoder } from "../../serializers/text.ts";

const LARGE = 100_000; // past the size from which decoding is lenient first

describe("strict UTF-8", () => {
  it("the decoder refuses invalid bytes in small and large inputs, and keeps U+FFFD", () => {
    const decoder = new StrictUtf8Decoder();
    for (const size of [10, LARGE]) {
      const bytes = new TextEncoder().encode("a".repeat(size));
      bytes[size - 3] = 0xff;
      assert.throws(() => decoder.decode(bytes), TypeError);
      const genuine = "\ufffd" + "b".repeat(size);
      assert.equal(decoder.decode(new TextEncoder().encode(genuine)), genuine);
    }
  });

  it("keeps or drops a leading U+FEFF as asked", () => {
    const bytes = new TextEncoder().encode("\ufeff" + "c".repeat(LARGE));
    assert.equal(new StrictUtf8Decoder({ keepBOM: true }).decode(bytes).length, LARGE + 1);
    assert.equal(new StrictUtf8Decoder().decode(bytes).length, LARGE);
  });

  for (const name of ["serpent", "json", "marshal", "msgpack"] as const) {
    it(`${name}: strings starting with U+FEFF round-trip`, () => {
      const s = getSerializer(name);
      for (const v of ["\ufeffx", "\ufeff" + "y".repeat(20), "\ufeff" + "z".repeat(LARGE)]) {
        assert.equal(s.loads(s.dumps(v)), v);
      }
    });
  }

  for (const name of ["serpent", "json", "msgpack"] as const) {
    it(`${name}: a large string with an invalid byte is a SerializeError`, () => {
      const s = getSerializer(name);
      const data = s.dumps("d".repeat(LARGE)) as Uint8Array;
      const bad = data.slice();
      bad[bad.length >> 1] = 0xff;
      assert.throws(() => s.loads(bad), SerializeError);
    });
  }
});
