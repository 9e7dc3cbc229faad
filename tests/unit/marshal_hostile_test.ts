// Bad and hostile marshal input: every failure is a SerializeError that says what and where,
// never another exception, a stack overflow, a huge allocation or a touched prototype.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MarshalSerializer } from "../../serializers/classes.ts";
import { SerializeError } from "../../errors.ts";
import { Complex, tuple } from "../../serializers/types.ts";
import { fromHex, rejects, seededRandom } from "../helpers.ts";

const marshal = new MarshalSerializer();

/** marshal refuses `input` (bytes, or hex) with a SerializeError matching `pattern`. */
function refused(input: Uint8Array | string, pattern: RegExp): void {
  const bytes = typeof input === "string" ? fromHex(input) : input;
  rejects(() => marshal.loads(bytes), SerializeError, pattern);
}

const le32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
};

describe("marshal: bad input", () => {
  it("truncated data: every cut of a value of every kind is an error with the offset", () => {
    const full = marshal.dumps([
      null,
      true,
      -7,
      2n ** 80n,
      2.5,
      new Complex(1, 2),
      "ascii",
      "h\u00e9 \u{1F600}",
      "x".repeat(300),
      Uint8Array.of(1, 2),
      tuple(1, "t"),
      new Set([1, 2]),
      { k: { nested: [] } },
      new Map([[tuple(1, 2), "v"]]),
    ]);
    for (let cut = 0; cut < full.length; cut++) {
      refused(
        full.subarray(0, cut),
        /^marshal: truncated data: need \d+ bytes at offset \d+, \d+ left$/,
      );
    }
    assert.ok(Array.isArray(marshal.loads(full)));
  });

  it("truncated Python output (references, interned strings) is an error too", () => {
    // The CONNECTOK payload of messages.json: FLAG_REF bits and an `r` reference.
    const python = fromHex(
      "fbda0968616e647368616b65da0568656c6c6fda046d657461fbda076d6574686f64733c01000000da04666972" +
        "65da066f6e657761793c010000007206000000da0561747472733c01000000da0576616c75653030",
    );
    assert.deepEqual(marshal.loads(python), {
      handshake: "hello",
      meta: { methods: new Set(["fire"]), oneway: new Set(["fire"]), attrs: new Set(["value"]) },
    });
    for (let cut = 0; cut < python.length; cut++) refused(python.subarray(0, cut), /truncated/);
  });

  it("unknown type codes are named with their offset", () => {
    refused("3f", /^marshal: unknown type code 0x3f at offset 0 \('\?'\)$/);
    refused("5b02000000" + "4e" + "01", /^marshal: unknown type code 0x01 at offset 6$/);
    refused("7b7a0161" + "ff", /unknown type code 0xff at offset 4/);
    refused("30", /dict terminator '0' outside a dict at offset 0/);
    // Codes of newer CPython versions (slice, 3.14) are unknown here, as in Python 3.11.
    refused("3a4e4e4e", /unknown type code 0x3a at offset 0/);
    // Every byte as a type code: a value or a SerializeError, nothing else.
    for (let code = 0; code < 256; code++) {
      const input = Uint8Array.of(code, 1, 0, 0, 0, 0x4e, 0x30);
      try {
        marshal.loads(input);
      } catch (e) {
        assert.ok(e instanceof SerializeError, `code 0x${code.toString(16)}: ${e}`);
      }
    }
  });

  it("code objects, StopIteration and Ellipsis are refused by name", () => {
    refused(
      "63" + "00".repeat(30),
      /^marshal: refusing a code object \(type code 'c'\) at offset 0$/,
    );
    refused("5b01000000e3", /refusing a code object \(type code 'c'\) at offset 5/);
    refused("53", /StopIteration \(type code 'S'\) has no JavaScript value, at offset 0/);
    refused("29012e", /Ellipsis \(type code '.'\) has no JavaScript value, at offset 2/);
  });

  it("bytes after the value are an error (Python ignores them; a Pyro payload has none)", () => {
    refused("4e4e", /^marshal: 1 extra bytes after the value at offset 1$/);
    refused("", /truncated data: need 1 bytes at offset 0, 0 left/);
  });

  it("size fields larger than the data are refused before anything is allocated", () => {
    // Each claims 2^31-1 items or bytes in a few bytes of data.
    const huge = le32(0x7fffffff);
    for (const code of ["5b", "28", "3c", "3e", "73", "75", "74", "61", "41"]) {
      refused(code + huge + "4e4e", /truncated data: need 2147483647 bytes at offset 5, 2 left/);
    }
    refused("29ff4e", /truncated data: need 255 bytes at offset 2, 1 left/);
    refused("7aff41", /truncated data: need 255 bytes at offset 2, 1 left/);
    // A long of 1000 digits (2000 bytes) with 2 bytes present.
    refused("6c" + le32(1000) + "0100", /truncated data: need 2000 bytes at offset 5, 2 left/);
    // More digits than any BigInt can hold.
    refused("6c" + le32(0x7fffffff), /integer of 2147483647 digits is too large at offset 0/);
    refused("6c" + le32(-0x80000000), /integer of 2147483648 digits is too large/);
    // Negative sizes.
    for (const code of ["5b", "28", "3c", "73", "75", "61"]) {
      refused(code + le32(-1), /^marshal: negative size -1 at offset 1$/);
    }
  });

  it("nesting 100000 deep is an error, not a stack overflow, in every container", () => {
    const deep = 100000;
    const repeat = (hex: string) => fromHex(hex.repeat(deep));
    refused(repeat("5b01000000"), /^marshal: nesting deeper than 1000 levels at offset 5000$/);
    refused(repeat("2901"), /nesting deeper than 1000 levels at offset 2000/);
    refused(repeat("2801000000"), /nesting deeper than 1000 levels/);
    refused(repeat("3c01000000"), /nesting deeper than 1000 levels/);
    refused(repeat("3e01000000"), /nesting deeper than 1000 levels/);
    refused(repeat("7b7a0161"), /nesting deeper than 1000 levels at offset 4000/);
    // As dict keys too.
    refused(repeat("7b"), /nesting deeper than 1000 levels at offset 1000/);
    // And the writer refuses to build what the reader would refuse.
    let v: unknown = 1;
    for (let i = 0; i < deep; i++) v = [v];
    assert.throws(() => marshal.dumps(v), /nesting too deep \(more than 1000 levels\)/);
  });

  it("a dict key __proto__ becomes an own property and touches no prototype", () => {
    // {'__proto__': {'polluted': True}, 'constructor': 1, 'a': 1}, as CPython writes it.
    const bytes = "7b" +
      ("da095f5f70726f746f5f5f" + "7b" + "da08706f6c6c75746564" + "54" + "30") +
      ("da0b636f6e7374727563746f72" + "e901000000") +
      ("da0161" + "e901000000") + "30";
    const got = marshal.loads(fromHex(bytes)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.deepEqual(Object.keys(got), ["__proto__", "constructor", "a"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(got, "__proto__")?.value, { polluted: true });
    assert.equal(got.constructor, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
    // Sent back, it is still a key.
    assert.deepEqual(marshal.loads(marshal.dumps(got)), got);
    // With a non-string key in the same dict, the result is a Map holding "__proto__".
    const mixed = marshal.loads(
      fromHex("7b" + "7a095f5f70726f746f5f5f" + "4e" + "6901000000" + "4e" + "30"),
    );
    assert.ok(mixed instanceof Map);
    assert.deepEqual([...mixed.keys()], ["__proto__", 1]);
  });

  it("back-references: out of range, negative, or to a set still being read", () => {
    refused("7205000000", /^marshal: back-reference 5 out of range \(0 objects\) at offset 0$/);
    refused(
      "5b02000000" + "e901000000" + "72" + le32(-1),
      /back-reference -1 out of range \(1 objects\) at offset 10/,
    );
    // A reference to a value that was read without FLAG_REF does not exist.
    refused("5b02000000" + "6901000000" + "7200000000", /back-reference 0 out of range/);
    // Python: unhashable type 'set' / invalid reference.
    refused(
      "bc01000000" + "7200000000",
      /back-reference 0 to a set that is still being read, at offset 5/,
    );
    refused("be01000000" + "7200000000", /back-reference 0 to a set that is still being read/);
    // A list holding itself is valid (Python builds [[...]]); it decodes to a cycle.
    const cyclic = marshal.loads(fromHex("db010000007200000000")) as unknown[];
    assert.equal(cyclic[0], cyclic);
    assert.throws(() => marshal.dumps(cyclic), /circular reference/);
  });

  it("references cannot blow up decoding: a 2^40-leaf DAG decodes in linear time", () => {
    // Level k+1 is a list holding level k twice: the second time as a reference to the
    // slot level k took (slots are numbered from the outside in: level 40 has slot 0).
    let hex = "db00000000";
    for (let k = 0; k < 40; k++) hex = "db02000000" + hex + "72" + le32(40 - k);
    const top = marshal.loads(fromHex("5b01000000" + hex)) as unknown[][];
    let level = top[0];
    for (let k = 0; k < 40; k++) {
      assert.equal(level[0], level[1]);
      level = level[0] as unknown[];
    }
    assert.deepEqual(level, []);
  });

  it("longs are checked as CPython checks them", () => {
    // Digits are 15 bits: 0x8000 does not fit (Python: digit out of range in long).
    refused("6c01000000" + "0080", /^marshal: long digit out of range at offset 5$/);
    // A top digit of 0 is not normalised (Python: unnormalized long data).
    refused("6c02000000" + "0100" + "0000", /long with a leading zero digit at offset 0/);
    refused("6c" + le32(-8) + "0100".repeat(7) + "0000", /leading zero digit/);
  });

  it("strings: invalid UTF-8 is an error with its offset; surrogates pass as in Python", () => {
    refused("7501000000ff", /^marshal: invalid UTF-8 in a string at offset 5$/);
    refused("7502000000c080", /invalid UTF-8 in a string at offset 5/); // overlong
    refused("7502000000e282", /invalid UTF-8 in a string at offset 5/); // cut short
    refused("7504000000f4908080", /invalid UTF-8 in a string at offset 5/); // above U+10FFFF
    refused("7503000000" + "61" + "80" + "62", /invalid UTF-8 in a string at offset 6/);
    // Long strings take the native decoder first and fall back for the offset.
    refused("7548000000" + "61".repeat(70) + "fe62", /invalid UTF-8 in a string at offset 75/);
    assert.equal(
      marshal.loads(fromHex("7548000000" + "61".repeat(69) + "eda080")),
      "a".repeat(69) + "\ud800",
    );
  });

  it("old text floats accept only what Python's float() would", () => {
    for (
      const text of ["0x1", "1_0", "", ".", "e5", "1e", "infinit", "nan1", " 1", "1 ", "Infinity1"]
    ) {
      const body = [...new TextEncoder().encode(text)].map((c) => c.toString(16).padStart(2, "0"))
        .join("");
      refused(
        "66" + text.length.toString(16).padStart(2, "0") + body,
        /^marshal: invalid float text ".*" at offset 1$/,
      );
    }
  });

  it("dicts need their terminator; call payloads need their shape", () => {
    refused("7b7a01614e", /truncated data: need 1 bytes at offset 5, 0 left/);
    assert.throws(() => marshal.loadsCall(fromHex("4e")), SerializeError);
    assert.throws(() => marshal.loadsCall(fromHex("2904" + "4e4e4e4e")), SerializeError);
    assert.throws(
      () => marshal.loadsCall(fromHex("2904" + "7a016f" + "7a016d" + "5b00000000" + "6901000000")),
      SerializeError,
    );
  });

  it("fuzz: random and mutated input gives a value or a SerializeError, nothing else", () => {
    const next = seededRandom(0x5eed);
    const seeds = [
      marshal.dumps({
        a: [1, 2.5, "x", Uint8Array.of(1)],
        b: new Set([1, "s"]),
        c: tuple(null, true),
      }),
      marshal.dumps(new Map<unknown, unknown>([[1, 2n ** 70n], [tuple(1), new Complex(1, 1)]])),
      fromHex("fb7a0161e9010000007a0162720100000030"),
      fromHex("db02000000fa0161" + "7201000000"),
    ];
    const codes = [..."NTFilgyfxsutaAzZ()[]{}<>r0SIc."].map((c) => c.charCodeAt(0));
    for (let round = 0; round < 20000; round++) {
      let input: Uint8Array;
      if (round % 2) {
        input = seeds[round % seeds.length].slice();
        const flips = 1 + Math.floor(next() * 3);
        for (let f = 0; f < flips; f++) {
          input[Math.floor(next() * input.length)] = Math.floor(next() * 256);
        }
      } else {
        input = new Uint8Array(1 + Math.floor(next() * 40));
        for (let i = 0; i < input.length; i++) {
          input[i] = next() < 0.5
            ? codes[Math.floor(next() * codes.length)] | (next() < 0.2 ? 0x80 : 0)
            : Math.floor(next() * 256);
        }
      }
      try {
        marshal.loads(input);
      } catch (e) {
        assert.ok(
          e instanceof SerializeError,
          `input ${[...input].map((c) => c.toString(16).padStart(2, "0")).join("")}: ${e}`,
        );
      }
    }
  });

  it("values that cannot be sent are refused by name", () => {
    assert.throws(() => marshal.dumps(() => 1), /marshal cannot serialize a function/);
    assert.throws(() => marshal.dumps([Symbol("s")]), /marshal cannot serialize a symbol/);
    assert.throws(() => marshal.dumps({ f() {} }.f), /function/);
  });
});
