// What the serpent writer writes for each JS type and what the parser gives
// back, per the project's type mapping (facts checked against Python serpent;
// the live tests in tests/interop/serpent_roundtrip_test.ts compare with Python itself).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { SerpentSerializer } from "../../serializers/classes.ts";
import { pythonBytesRepr, pythonStrRepr } from "../../serializers/serpent_writer.ts";
import { Complex, isTuple, PyFloat, tuple } from "../../serializers/types.ts";

const serpent = new SerpentSerializer();
const HEADER = "# serpent utf-8 python3.2\n";
const dumps = (value: unknown, s = serpent) => new TextDecoder().decode(s.dumps(value));
const loads = (text: string) => serpent.loads(new TextEncoder().encode(text));

function writes(rows: Array<[unknown, string]>): void {
  for (const [value, text] of rows) assert.equal(dumps(value), HEADER + text, text);
}

describe("serpent writer", () => {
  it("writes numbers as Python does: ints, floats in repr form, inf and nan", () => {
    writes([
      [0, "0"],
      [-17, "-17"],
      [2 ** 53 - 1, "9007199254740991"],
      [2 ** 53, "9007199254740992.0"], // not a safe integer: a float
      [2n ** 64n, "18446744073709551616"],
      [-(2n ** 64n), "-18446744073709551616"],
      [0n, "0"],
      [0.1, "0.1"],
      [-2.5, "-2.5"],
      [1e16, "1e+16"],
      [1e-5, "1e-05"],
      [1e-4, "0.0001"],
      [123456.789, "123456.789"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [new PyFloat(100), "100.0"],
      [new PyFloat(1e16), "1e+16"],
      [-0, "-0.0"],
      [Infinity, "1e30000"],
      [-Infinity, "-1e30000"],
      [NaN, "{'__class__':'float','value':'nan'}"],
      [true, "True"],
      [false, "False"],
      [null, "None"],
      [undefined, "None"],
      [Object(5), "5"],
    ]);
  });

  it("quotes strings exactly as Python's repr", () => {
    const cases: Array<[string, string]> = [
      ["", "''"],
      ["plain", "'plain'"],
      ["it's", `"it's"`],
      [`say "hi"`, `'say "hi"'`],
      [`it's "x"`, `'it\\'s "x"'`],
      ["\\", "'\\\\'"],
      ["\t\n\r", "'\\t\\n\\r'"],
      ["\x00\x07\x1b\x7f", "'\\x00\\x07\\x1b\\x7f'"],
      ["\x80\xa0\xad", "'\\x80\\xa0\\xad'"],
      ["\u00e9\u20ac\u4e2d", "'\u00e9\u20ac\u4e2d'"],
      ["\u2028\u2029\u200b\ufeff\u3000", "'\\u2028\\u2029\\u200b\\ufeff\\u3000'"],
      ["\u{1F600}\u{10348}", "'\u{1F600}\u{10348}'"],
      ["\u{E0001}\u{F0000}", "'\\U000e0001\\U000f0000'"],
      ["\ud800x\udfff", "'\\ud800x\\udfff'"], // lone surrogates
      ["\u0378", "'\\u0378'"], // unassigned
    ];
    for (const [value, repr] of cases) {
      assert.equal(pythonStrRepr(value), repr, repr);
      assert.equal(dumps(value), HEADER + repr);
      assert.equal(loads(repr), value, repr);
    }
    assert.equal(pythonBytesRepr(new Uint8Array([0x27])), `b"'"`);
    assert.equal(
      pythonBytesRepr(new Uint8Array([0x27, 0x22, 0x5c, 0x0a, 0x80])),
      `b'\\'"\\\\\\n\\x80'`,
    );
  });

  it("writes containers as serpent does: no spaces, insertion order, tuples and sets", () => {
    writes([
      [[], "[]"],
      [{}, "{}"],
      [[1, [2, "x"]], "[1,[2,'x']]"],
      [tuple(), "()"],
      [tuple(1), "(1,)"],
      [tuple(1, 2), "(1,2)"],
      [new Set(), "()"], // Python's serpent writes an empty set as an empty tuple
      [new Set([3, 1, "a"]), "{3,1,'a'}"],
      [{ b: 1, a: [true, null] }, "{'b':1,'a':[True,None]}"],
      [Object.assign(Object.create(null), { k: 1 }), "{'k':1}"],
      [new Map(), "{}"],
      [new Map<unknown, unknown>([[2, "x"], ["s", 1], [false, 0]]), "{2:'x','s':1,False:0}"],
      [new Map([[[1, [2]], "t"], [[3], "u"], [[], "v"]]), "{(1,(2,)):'t',(3,):'u',():'v'}"],
      [new Set([tuple(1, 2), [3]]), "{(1,2),(3,)}"],
      [
        [new Complex(1, 2), new Complex(1.5, -2), new Complex(0, -0)],
        "[(1.0+2.0j),(1.5-2.0j),(0.0-0.0j)]",
      ],
      [
        new Complex(NaN, 1),
        "{'__class__':'complex','real':{'__class__':'float','value':'nan'},'imag':1.0}",
      ],
    ]);
  });

  it("writes bytes as a base64 dict, or as b'' with bytesRepr", () => {
    const bytes = new Uint8Array([0, 0xff, 0x41]);
    const dict = "{'data': 'AP9B', 'encoding': 'base64'}";
    writes([
      [bytes, dict],
      [Buffer.from([0, 0xff, 0x41]), dict],
      [bytes.buffer, dict],
      [new DataView(new Uint8Array([9, 0, 0xff, 0x41, 9]).buffer, 1, 3), dict],
      [new Uint8Array(0), "{'data': '', 'encoding': 'base64'}"],
    ]);
    const withRepr = new SerpentSerializer({ bytesRepr: true });
    assert.equal(dumps(bytes, withRepr), HEADER + "b'\\x00\\xffA'");
    assert.equal(dumps([new Uint8Array([0x27])], withRepr), HEADER + `[b"'"]`);
  });

  it("writes other typed arrays as lists, dates as Python's isoformat", () => {
    writes([
      [new Int32Array([1, -2]), "[1,-2]"],
      [new Float64Array([0.5, -0]), "[0.5,-0.0]"],
      [new BigInt64Array([2n ** 62n]), "[4611686018427387904]"],
      [new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123)), "'2024-01-02T03:04:05.123000+00:00'"],
      [new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), "'2024-01-02T03:04:05+00:00'"],
    ]);
  });

  it("writes calls as (object_id, method, vargs, kwargs)", () => {
    const call = (vargs: unknown[], kwargs: Record<string, unknown> | null) =>
      new TextDecoder().decode(serpent.dumpsCall("obj", "m", vargs, kwargs));
    assert.equal(call(tuple(1, "a"), { k: 2 }), HEADER + "('obj','m',(1,'a'),{'k':2})");
    assert.equal(call([1], null), HEADER + "('obj','m',[1],None)");
    assert.equal(call(tuple(), {}), HEADER + "('obj','m',(),{})");
  });
});

describe("serpent parser", () => {
  it("maps Python values to the project's JS types", () => {
    assert.equal(loads("9007199254740991"), 2 ** 53 - 1);
    assert.equal(loads("9007199254740992"), 2n ** 53n);
    assert.equal(loads("-9007199254740992"), -(2n ** 53n));
    assert.equal(loads("-9007199254740991"), -(2 ** 53 - 1));
    assert.equal(loads("12345678901234567890"), 12345678901234567890n);
    assert.equal(loads("0x10"), 16);
    assert.equal(loads("0xffffffffffffffffff"), 0xffffffffffffffffffn);
    assert.ok(Object.is(loads("-0"), 0));
    assert.ok(Object.is(loads("-0.0"), -0));
    assert.equal(loads("1.0"), 1);
    assert.equal(loads("1e30000"), Infinity);
    assert.equal(loads("-1e30000"), -Infinity);
    assert.ok(Number.isNaN(loads("{'__class__':'float','value':'nan'}")));
    assert.deepEqual(loads("(1+2j)"), new Complex(1, 2));
    assert.deepEqual(loads("-1.5-0.5j"), new Complex(-1.5, -0.5));
    assert.deepEqual(loads("3j"), new Complex(0, 3));
    assert.deepEqual(
      loads("{'data': 'AP9B', 'encoding': 'base64'}"),
      new Uint8Array([0, 0xff, 0x41]),
    );
    assert.deepEqual(loads("{'encoding':'base64','data':''}"), new Uint8Array());
    assert.deepEqual(loads("b'\\x00\\xffA'"), new Uint8Array([0, 0xff, 0x41]));
    assert.deepEqual(loads("set()"), new Set());
    assert.deepEqual(loads("{1,'a',(2,3)}"), new Set([1, "a", [2, 3]]));
    assert.deepEqual(loads("()"), []);
    const t = loads("(1,(2,))") as unknown[];
    assert.deepEqual(t, [1, [2]]);
    assert.equal(isTuple(t), false); // tuples come back as plain arrays
    assert.equal(loads("None"), null);
  });

  it("gives a plain object for string keys, a Map in key order otherwise", () => {
    const obj = loads("{'b':1,'a':{'c':None}}") as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepEqual(Object.keys(obj), ["b", "a"]);
    const map = loads("{'s':1,2:'int',(1,2):'tuple',False:'bool',None:'none',2.5:'f'}");
    assert.ok(map instanceof Map);
    assert.deepEqual([...(map as Map<unknown, unknown>)], [
      ["s", 1],
      [2, "int"],
      [[1, 2], "tuple"],
      [false, "bool"],
      [null, "none"],
      [2.5, "f"],
    ]);
    assert.deepEqual(loads("{'a':1,'a':2}"), { a: 2 }); // the last duplicate wins
  });

  it("reads what Python writes and what people type: header, comments, layout, string forms", () => {
    assert.deepEqual(loads(HEADER + "[1]"), [1]);
    // What may follow the header line is what may follow any comment line.
    assert.deepEqual(loads(HEADER + "# more\n\n[1]"), [1]);
    assert.deepEqual(loads(HEADER + "\r\n(1,)"), [1]);
    assert.throws(() => loads(HEADER + "  [1]"), /unexpected indent/);
    assert.throws(() => loads(HEADER), /empty input/);
    assert.throws(() => loads(HEADER + "\n"), /empty input/);
    assert.deepEqual(loads("# a comment\r\n  # another\n[1, # inline\n 2,\n]\n\n"), [1, 2]);
    assert.deepEqual(loads("{\n  'a': [\n    1,\n    2\n  ],\n  'b': (\n    1,\n  )\n}"), {
      a: [1, 2],
      b: [1],
    });
    assert.equal(loads("'a' \"b\" '''c''' \"\"\"d\"\"\""), "abcd");
    assert.equal(loads("('a'\n 'b')"), "ab");
    assert.equal(loads("u'x' U'y'"), "xy");
    assert.equal(loads("r'\\n\\''"), "\\n\\'");
    assert.deepEqual(loads("rb'\\x00' Br'\\\\'"), new TextEncoder().encode("\\x00\\\\"));
    assert.equal(loads("'''a\r\nb\rc'''"), "a\nb\nc");
    assert.equal(loads("'\\101\\x41\\u0041\\U00000041\\a\\z'"), "AAAA\x07\\z");
    assert.equal(loads("'\\ud83d\\ude00'"), "\u{1F600}"); // escaped halves join, as in JS strings
    assert.equal(loads("1_000"), 1000);
    assert.equal(loads(".5e1"), 5);
  });

  it("round-trips a mixed value through dumps and loads", () => {
    const value = {
      list: [1, -2.5, 2n ** 70n, null, true, "it's \u20ac\u{1F600}\n"],
      set: new Set([1, 2]),
      map: new Map<unknown, unknown>([[[1, 2], { x: new Uint8Array([0, 255]) }]]),
      nan: NaN,
      inf: -Infinity,
      zero: -0,
      complex: new Complex(1, -1),
    };
    assert.deepEqual(serpent.loads(serpent.dumps(value)), value);
  });
});
