// The marshal reader against every type code it accepts, and the codes the writer picks.
// Each reader row's expected value is what CPython 3.11's `marshal.loads` gave for those
// bytes (shown as the Python repr), mapped to JavaScript by the README's type mapping.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MarshalSerializer } from "../../serializers/classes.ts";
import { registerClassToDict, unregisterClassToDict } from "../../serializers/registry.ts";
import { Complex, PyFloat, tuple } from "../../serializers/types.ts";
import { SerializeError } from "../../errors.ts";
import { URI } from "../../uri.ts";
import { fromHex, toHex } from "../helpers.ts";

const marshal = new MarshalSerializer();
const loads = (hex: string) => marshal.loads(fromHex(hex));
const dumps = (value: unknown) => toHex(marshal.dumps(value));

describe("marshal reader: every type code", () => {
  const rows: Array<[string, string, unknown]> = [
    // [hex, Python's repr, JavaScript value]
    ["4e", "None", null],
    ["ce", "None (FLAG_REF ignored on singletons)", null],
    ["d4", "True", true],
    ["c6", "False", false],
    ["e9ffffff7f", "2147483647", 2147483647],
    ["6900000080", "-2147483648", -2147483648],
    ["490000000000002000", "9007199254740992 (old int64 code I)", 9007199254740992n],
    ["49ffffffffffffff7f", "9223372036854775807", 9223372036854775807n],
    ["490100000000000080", "-9223372036854775807", -9223372036854775807n],
    ["6c00000000", "0 (long with no digits)", 0],
    ["6cffffffff0100", "-1", -1],
    ["6c020000000000ff7f", "1073709056", 1073709056],
    ["6cfdffffff000000000100", "-1073741824", -1073741824],
    ["671f85eb51b81e0940", "3.14", 3.14],
    ["e7000000000000f87f", "nan", NaN],
    ["79000000000000f8ff000000000000f0ff", "(nan-infj)", new Complex(NaN, -Infinity)],
    ["660131", "1.0 (old text float f)", 1],
    ["6603312e35", "1.5", 1.5],
    ["66042d696e66", "-inf", -Infinity],
    ["6608496e66696e697479", "inf", Infinity],
    ["66036e616e", "nan", NaN],
    ["6604312e3500", "1.5 (the text ends at NUL)", 1.5],
    ["7803312e35022d31", "(1.5-1j) (old text complex x)", new Complex(1.5, -1)],
    ["7803696e660131", "(inf+1j)", new Complex(Infinity, 1)],
    ["7300000000", "b''", new Uint8Array(0)],
    ["730300000000ff7f", "b'\\x00\\xff\\x7f'", Uint8Array.of(0, 0xff, 0x7f)],
    ["7505000000e282ac5c78", "'€\\\\x'", "€\\x"],
    ["7405000000e282ac5c78", "'€\\\\x' (interned)", "€\\x"],
    ["7503000000eda080", "'\\ud800' (surrogatepass)", "\ud800"],
    // Python has two lone surrogates here; a JavaScript string cannot tell them from a pair.
    ["7506000000eda080edb080", "'\\ud800\\udc00'", "\ud800\udc00"],
    ["61020000008000", "'\\x80\\x00' (ASCII codes are read as Latin-1)", "\x80\x00"],
    ["4102000000ff41", "'ÿA'", "\xffA"],
    ["7a0380ff41", "'\\x80ÿA'", "\x80\xffA"],
    ["5a0141", "'A'", "A"],
    ["2800000000", "()", []],
    ["2802000000e901000000e902000000", "(1, 2)", [1, 2]],
    ["2900", "()", []],
    ["29024e54", "(None, True)", [null, true]],
    ["5b00000000", "[]", []],
    ["3c00000000", "set()", new Set()],
    ["3c0200000069010000006901000000", "{1}", new Set([1])],
    ["3e0200000069050000007a0161", "frozenset({5, 'a'})", new Set([5, "a"])],
    ["bc01000000a9027a0161e901000000", "{('a', 1)}", new Set([["a", 1]])],
    ["7b30", "{}", {}],
    ["7bb0", "{} (terminator with FLAG_REF)", {}],
    ["fb7a0161e9010000007a0162720100000030", "{'a': 1, 'b': 1}", { a: 1, b: 1 }],
    ["5b02000000fa01617200000000", "['a', 'a']", ["a", "a"]],
  ];
  for (const [hex, python, expected] of rows) {
    it(`${hex} -> ${python}`, () => assert.deepEqual(loads(hex), expected));
  }

  it("containers take their slot before their items: a list or tuple may hold itself", () => {
    const list = loads("db010000007200000000") as unknown[]; // Python: [[...]]
    assert.equal(list[0], list);
    const tup = loads("a9017200000000") as unknown[]; // Python: ((...),)
    assert.equal(tup[0], tup);
    const dict = loads("fb7a0161720000000030") as Record<string, unknown>; // {'a': {...}}
    assert.equal(dict.a, dict);
  });

  it("references share one object, as in Python", () => {
    const got = loads("5b02000000db000000007200000000") as unknown[][]; // Python: [[], []]
    assert.equal(got[0], got[1]);
  });

  it("decodes from a view that does not start at offset 0 of its buffer", () => {
    const bytes = fromHex("ff".repeat(7) + "2902e9ffffffffe7000000000000f03f" + "ff".repeat(3));
    const view = bytes.subarray(7, bytes.length - 3);
    assert.deepEqual(marshal.loads(view), [-1, 1]);
  });

  it("bytes are copied out of the message buffer", () => {
    const data = fromHex("730200000061627a");
    const got = marshal.loads(data.subarray(0, 7)) as Uint8Array;
    data[5] = 0;
    assert.deepEqual(got, Uint8Array.of(0x61, 0x62));
  });

  it("long dict keys, long ASCII and long UTF-8 strings decode like short ones", () => {
    const key = "k".repeat(300);
    const text = "é€😀".repeat(500) + "\ud800";
    const value = { [key]: "a".repeat(20000), x: text };
    assert.deepEqual(marshal.loads(marshal.dumps(value)), value);
    // Long `a` data with bytes over 0x7f: one character per byte, whatever UTF-8 would say.
    for (const [first, second] of [[0xc3, 0xa9], [0xa9, 0xc3]]) {
      // c3 a9 ... is valid UTF-8 (é), a9 c3 ... is not: both are 300 Latin-1 characters.
      const a = new Uint8Array(5 + 300);
      a.set([0x61, 0x2c, 0x01, 0, 0]);
      for (let i = 0; i < 300; i++) a[5 + i] = i % 2 ? second : first;
      assert.equal(marshal.loads(a), String.fromCharCode(first, second).repeat(150));
    }
  });

  it("longs from 1 to 2000 digits, both signs, round trip exactly", () => {
    for (let bits = 1; bits < 30000; bits += bits < 200 ? 1 : 997) {
      for (const v of [2n ** BigInt(bits) - 1n, -(2n ** BigInt(bits)), 3n ** BigInt(bits)]) {
        const back = marshal.loads(marshal.dumps(v));
        assert.equal(BigInt(back as number | bigint), v, `${v}`);
        assert.equal(
          typeof back,
          v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? "number" : "bigint",
        );
      }
    }
  });
});

describe("marshal writer: the codes CPython picks", () => {
  it("ints: i for int32, l with 15-bit digits beyond, bigints alike", () => {
    assert.equal(dumps(0), "6900000000");
    assert.equal(dumps(2147483647), "69ffffff7f");
    assert.equal(dumps(-2147483648), "6900000080");
    assert.equal(dumps(2147483648), "6c03000000000000000200");
    assert.equal(dumps(-2147483649), "6cfdffffff010000000200");
    assert.equal(dumps(2 ** 53 - 1), "6c04000000ff7fff7fff7fff00");
    assert.equal(dumps(-(2 ** 45)), "6cfcffffff0000000000000100");
    assert.equal(dumps(5n), "6905000000");
    assert.equal(dumps(-(2n ** 31n)), "6900000080");
    assert.equal(dumps(2n ** 64n), "6c0500000000000000000000001000");
    assert.equal(dumps(-(2n ** 70n)), "6cfbffffff00000000000000000004");
  });

  it("floats: g for every non-integer number, -0, unsafe integers and PyFloat", () => {
    assert.equal(dumps(1.5), "67000000000000f83f");
    assert.equal(dumps(-0), "670000000000000080");
    assert.equal(dumps(2 ** 53), "670000000000004043");
    assert.equal(dumps(new PyFloat(3)), "670000000000000840");
    assert.equal(dumps(NaN), "67000000000000f87f");
    assert.equal(dumps(new Complex(1, -2)), "79000000000000f03f00000000000000c0");
  });

  it("strings: z under 256 ASCII characters, a from 256, u when not ASCII", () => {
    assert.equal(dumps(""), "7a00");
    assert.equal(dumps("x".repeat(255)), "7aff" + "78".repeat(255));
    assert.equal(dumps("x".repeat(256)), "6100010000" + "78".repeat(256));
    assert.equal(dumps("ab\x80"), "7504000000" + "6162c280");
    assert.equal(dumps("é".repeat(300)), "7558020000" + "c3a9".repeat(300));
    assert.equal(dumps("😀"), "7504000000f09f9880");
    // A lone surrogate is kept, as Python's surrogatepass writes it.
    assert.equal(dumps("a\ud800"), "7504000000" + "61eda080");
    assert.equal(dumps("a\udc00".repeat(200)), "75" + "20030000" + "61edb080".repeat(200));
    assert.equal(marshal.loads(marshal.dumps("a\udfff\ud800b")), "a\udfff\ud800b");
  });

  it("bytes from Uint8Array, ArrayBuffer and DataView; other typed arrays as lists", () => {
    const bytes = Uint8Array.of(1, 2, 3);
    assert.equal(dumps(bytes), "7303000000010203");
    assert.equal(dumps(bytes.buffer), "7303000000010203");
    assert.equal(dumps(new DataView(bytes.buffer, 1, 1)), "730100000002");
    assert.equal(dumps(bytes.subarray(2)), "730100000003");
    assert.equal(dumps(Int16Array.of(-1, 2)), "5b02000000" + "69ffffffff" + "6902000000");
    assert.equal(dumps(Float64Array.of(0.5)), "5b01000000" + "67000000000000e03f");
  });

  it("containers: ) under 256 items, ( from 256, [ for lists, { dicts, < sets", () => {
    assert.equal(dumps(tuple()), "2900");
    assert.equal(dumps(tuple(...new Array(255).fill(null))), "29ff" + "4e".repeat(255));
    assert.equal(dumps(tuple(...new Array(256).fill(null))), "2800010000" + "4e".repeat(256));
    assert.equal(dumps([true]), "5b0100000054");
    assert.equal(dumps({ a: null }), "7b7a01614e30");
    assert.equal(dumps(Object.assign(Object.create(null), { b: 1 })), "7b7a0162690100000030");
    assert.equal(dumps(new Set([3, 1, 2])), "3c03000000690100000069020000006903000000");
  });

  it("Map keys and set members go out hashable: arrays as tuples, sets as frozensets", () => {
    assert.equal(
      dumps(new Map([[[1, [2]], 0]])),
      "7b" + "2902690100000029016902000000" + "690000000030",
    );
    assert.equal(dumps(new Map([[new Set([1]), 0]])), "7b3e0100000069010000006900000000" + "30");
    assert.equal(dumps(new Set([[1], new Set()])), "3c02000000" + "290169010000003e00000000");
    // Values stay lists and sets.
    assert.equal(dumps(new Map([["k", [new Set()]]])), "7b7a016b5b010000003c0000000030");
  });

  it("null and undefined are None; boxed primitives are their values", () => {
    assert.equal(dumps([null, undefined]), "5b020000004e4e");
    assert.equal(
      dumps([new Number(2), new String("s"), new Boolean(false)]),
      "5b03000000" + "6902000000" + "7a0173" + "46",
    );
  });

  it("a Date becomes Python's isoformat() text of the UTC instant", () => {
    assert.equal(
      marshal.loads(marshal.dumps(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123)))),
      "2024-01-02T03:04:05.123000+00:00",
    );
    assert.throws(() => marshal.dumps(new Date(NaN)), SerializeError);
  });

  it("objects at any depth go through the class registry (Python converts only the top)", () => {
    class Point {
      x = 1;
      y = 2;
    }
    const uri = new URI("PYRO:obj@localhost:9999");
    const got = marshal.loads(marshal.dumps([{ p: new Point() }, uri])) as unknown[];
    assert.deepEqual(got[0], { p: { x: 1, y: 2, __class__: "Point" } });
    assert.ok(got[1] instanceof URI);
    assert.equal(String(got[1]), "PYRO:obj@localhost:9999");
  });

  it("a class converter may call the same serializer again", () => {
    class Inner {
      v = 7;
    }
    registerClassToDict(Inner, (o: Inner) => ({
      __class__: "x.Inner",
      packed: marshal.dumps([o.v, "z".repeat(100)]),
    }));
    try {
      const got = marshal.loads(marshal.dumps(["before", new Inner(), "after"])) as unknown[];
      assert.equal(got[0], "before");
      assert.equal(got[2], "after");
      const packed = (got[1] as { packed: Uint8Array }).packed;
      assert.deepEqual(marshal.loads(packed), [7, "z".repeat(100)]);
    } finally {
      unregisterClassToDict(Inner);
    }
  });

  it("each dumps result is its own copy; the buffer grows and is reused", () => {
    const first = marshal.dumps("first");
    const big = marshal.dumps(new Uint8Array(200000));
    const second = marshal.dumps("second");
    assert.equal(toHex(first), "7a056669727374");
    assert.equal(big.length, 200005);
    assert.equal(toHex(second), "7a067365636f6e64");
  });

  it("the same object twice is fine; only cycles are refused", () => {
    const shared = [1];
    assert.deepEqual(marshal.loads(marshal.dumps([shared, shared])), [[1], [1]]);
    const cycle: Record<string, unknown> = {};
    cycle.self = { back: cycle };
    assert.throws(() => marshal.dumps(cycle), /circular reference/);
  });

  it("calls: the tuple (id, method, vargs list, kwargs); loadsCall checks the shape", () => {
    assert.equal(
      toHex(marshal.dumpsCall("o", "m", tuple(1), { k: null })),
      "2904" + "7a016f" + "7a016d" + "5b010000006901000000" + "7b7a016b4e30",
    );
    assert.deepEqual(marshal.loadsCall(marshal.dumpsCall("o", "m", [], null)), {
      objectId: "o",
      method: "m",
      vargs: [],
      kwargs: null,
    });
    assert.throws(() => marshal.loadsCall(marshal.dumps(tuple("o", "m"))), SerializeError);
    assert.throws(() => marshal.loadsCall(marshal.dumps(tuple("o", "m", 1, {}))), SerializeError);
    assert.throws(() => marshal.loadsCall(marshal.dumps(tuple(1, "m", [], {}))), SerializeError);
  });

  it("maxDepth bounds both directions", () => {
    const shallow = new MarshalSerializer({ maxDepth: 3 });
    assert.deepEqual(shallow.loads(shallow.dumps([[[1]]])), [[[1]]]);
    assert.throws(() => shallow.dumps([[[[1]]]]), /nesting too deep/);
    assert.throws(() => shallow.loads(marshal.dumps([[[[1]]]])), /nesting deeper than 3 levels/);
  });
});
