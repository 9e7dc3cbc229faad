// deno-lint-ignore-file no-explicit-any
// Live round trips between our marshal serializer and real Python Pyro5 (CPython's marshal):
// Python's corpus decoded here and sent back for Python to compare; values encoded here
// decoded by Python (checked by their repr), re-encoded by Python (with its FLAG_REF bits,
// interned strings and back-references) and decoded here equal to what we sent; calls both
// ways; and a few hundred random values through the same loop. A missing Python is a failure.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MarshalSerializer } from "../../serializers/classes.ts";
import { Complex, PyFloat, tuple } from "../../serializers/types.ts";
import { NamingError, RemoteError } from "../../errors.ts";
import { URI } from "../../uri.ts";
import { assertPythonLoadsEqual, suitePeer } from "../fixtures/python.ts";
import { fromHex, pyBytes, seededRandom, toHex } from "../helpers.ts";

const marshal = new MarshalSerializer();

function nested(levels: number, leaf: unknown): { value: unknown; repr: string } {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return { value, repr: "[".repeat(levels) + String(leaf) + "]".repeat(levels) };
}

/** What a value is once it has been to Python and back: the type mapping's decoded side. */
function decodedForm(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof Date) return v.toISOString().replace("Z", "000+00:00").replace(".000000", "");
  if (typeof v === "bigint") return v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v instanceof DataView) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  if (ArrayBuffer.isView(v) && !(v instanceof Uint8Array)) return Array.from(v as any);
  if (Array.isArray(v)) return v.map(decodedForm);
  if (v instanceof Set) return new Set([...v].map(decodedForm));
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => [decodedForm(k), decodedForm(x)]);
    if (entries.every(([k]) => typeof k === "string")) {
      const obj: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        Object.defineProperty(obj, k as string, {
          value: x,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return obj;
    }
    return new Map(entries as [unknown, unknown][]);
  }
  if (v && typeof v === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    const obj: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(obj, k, {
        value: decodedForm((v as any)[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return obj;
  }
  return v;
}

/** A set repr with its members in any order (Python prints them in hash order). */
function sameSetRepr(repr: string, members: string[], label: string): void {
  const m = /^\{(.*)\}$/.exec(repr);
  assert.ok(m, `${label}: ${repr} is not a set`);
  assert.deepEqual(m[1].split(", ").sort(), [...members].sort(), label);
}

interface Sent {
  label: string;
  value: unknown;
  repr?: string | RegExp;
  setMembers?: string[];
  check?: (back: unknown) => void;
}

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const deepList = nested(900, 1);

const SENT: Sent[] = [
  { label: "None", value: null, repr: "None" },
  { label: "booleans", value: [true, false], repr: "[True, False]" },
  {
    label: "empty containers",
    value: [[], {}, "", tuple(), new Set(), new Uint8Array(0), new Map()],
    repr: "[[], {}, '', (), set(), b'', {}]",
  },
  { label: "nesting 900 deep", value: deepList.value, repr: deepList.repr },
  {
    label: "dicts nested 300 deep",
    value: Array.from({ length: 300 }).reduce((inner: unknown) => ({ k: inner }), null),
    repr: "{'k': ".repeat(300) + "None" + "}".repeat(300),
  },
  {
    label: "unicode outside the BMP",
    value: "h\u00e9 \u20ac \u{1F600} \u{10348} \u{E0001}",
    repr: "'h\u00e9 \u20ac \u{1F600} \u{10348} \\U000e0001'",
  },
  { label: "lone surrogates", value: "a\ud800b\udfff", repr: "'a\\ud800b\\udfff'" },
  {
    label: "strings at the z/a boundary",
    value: ["x".repeat(255), "y".repeat(256), "\u00e9".repeat(300)],
    repr: `['${"x".repeat(255)}', '${"y".repeat(256)}', '${"\u00e9".repeat(300)}']`,
  },
  {
    label: "ints at the int32 boundary",
    value: [2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1],
    repr: "[2147483647, 2147483648, -2147483648, -2147483649]",
  },
  {
    label: "ints around 2^53",
    value: [2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n],
    repr:
      "[9007199254740991, -9007199254740991, 9007199254740992, 9007199254740993, -9007199254740993]",
  },
  {
    label: "ints around 2^64",
    value: [2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n) - 1n],
    repr: "[9223372036854775807, 9223372036854775808, -9223372036854775808, " +
      "18446744073709551615, 18446744073709551616, -18446744073709551617]",
  },
  { label: "a huge int", value: 3n ** 2000n, repr: String(3n ** 2000n) },
  { label: "small ints as bigints", value: [5n, -(2n ** 31n)], repr: "[5, -2147483648]" },
  { label: "negative zero", value: -0, repr: "-0.0" },
  { label: "nan", value: NaN, repr: "nan" },
  { label: "infinities", value: [Infinity, -Infinity], repr: "[inf, -inf]" },
  {
    label: "floats",
    value: [0.1, 1e300, 5e-324, 1e16, 1e-5, 2 ** 53, new PyFloat(3)],
    repr: "[0.1, 1e+300, 5e-324, 1e+16, 1e-05, 9007199254740992.0, 3.0]",
  },
  {
    label: "complex",
    value: [new Complex(1.5, -2), new Complex(NaN, Infinity), new Complex(0, 0)],
    repr: "[(1.5-2j), (nan+infj), 0j]",
  },
  { label: "bytes 0-255", value: allBytes, repr: pyBytes(allBytes) },
  {
    label: "ArrayBuffer, DataView and typed arrays",
    value: [
      allBytes.buffer.slice(0, 2),
      new DataView(allBytes.buffer, 65, 2),
      Int32Array.of(1, -2),
    ],
    repr: "[b'\\x00\\x01', b'AB', [1, -2]]",
  },
  {
    label: "tuples",
    value: tuple(1, "two", tuple(), [tuple(3)], tuple(...new Array(300).fill(0))),
    repr: `(1, 'two', (), [(3,)], (${new Array(300).fill("0").join(", ")}))`,
  },
  {
    label: "a set",
    value: new Set([1, "a", 2n ** 70n]),
    setMembers: ["1", "'a'", "1180591620717411303424"],
  },
  { label: "a set of a tuple", value: new Set([[1, [2]]]), repr: "{(1, (2,))}" },
  { label: "a set of a set", value: new Set([new Set([1])]), repr: "{frozenset({1})}" },
  {
    label: "a map with mixed keys",
    value: new Map<unknown, unknown>([
      [1, "int"],
      ["s", "str"],
      [2.5, "float"],
      [tuple(1, 2), "tuple"],
      [false, "bool"],
      [null, "none"],
      [2n ** 70n, "big"],
      [[1, [2, [3]]], "nested tuple key"],
      [new Set(["f"]), "frozenset key"],
    ]),
    repr: "{1: 'int', 's': 'str', 2.5: 'float', (1, 2): 'tuple', False: 'bool', None: 'none', " +
      "1180591620717411303424: 'big', (1, (2, (3,))): 'nested tuple key', " +
      "frozenset({'f'}): 'frozenset key'}",
  },
  {
    label: "a dict with __proto__ and constructor keys",
    value: Object.defineProperty({ constructor: 1 }, "__proto__", {
      value: { x: 2 },
      enumerable: true,
    }),
    repr: "{'constructor': 1, '__proto__': {'x': 2}}",
    check: (back) => {
      assert.equal(Object.getPrototypeOf(back), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, { x: 2 });
    },
  },
  {
    label: "a Date as ISO text",
    value: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123)),
    repr: "'2024-01-02T03:04:05.123000+00:00'",
  },
  {
    label: "an exception",
    value: new RemoteError("builtins.ValueError", ["boom", 42], { note: "n" }),
    repr: "ValueError('boom', 42)",
    check: (back) => {
      assert.ok(back instanceof RemoteError);
      assert.equal(back.pythonClass, "builtins.ValueError");
      assert.deepEqual(back.args, ["boom", 42]);
      assert.deepEqual(back.attributes, { note: "n" });
    },
  },
  {
    label: "a Pyro error",
    value: new NamingError("unknown name: x"),
    repr: "NamingError('unknown name: x')",
    check: (back) => {
      assert.ok(back instanceof NamingError);
      assert.equal(back.message, "unknown name: x");
    },
  },
  {
    label: "a URI",
    value: new URI("PYRO:obj@[::1]:9999"),
    repr: /^<Pyro5\.core\.URI at 0x[0-9a-f]+; PYRO:obj@\[::1\]:9999>$/,
    check: (back) => {
      assert.ok(back instanceof URI);
      assert.equal(String(back), "PYRO:obj@[::1]:9999");
    },
  },
];

describe("marshal round trips with real Python Pyro5", () => {
  const peer = suitePeer("serializer_peer.py");

  it("decodes Python's corpus and sends every value back equal", async () => {
    const corpus = await peer.request({ op: "corpus", ser: "marshal" });
    assert.equal(corpus.ok, true, corpus.error);
    const names = corpus.values.map((v: any) => v.name);
    for (
      const expected of [
        "deep nesting",
        "empty containers",
        "unicode",
        "ints around 2**53",
        "ints around 2**64",
        "negative zero",
        "nan",
        "infinities",
        "bytes 0-255",
        "set of ints",
        "dict with mixed keys",
        "complex",
      ]
    ) assert.ok(names.includes(expected), `corpus has ${expected}`);
    const decoded: Record<string, unknown> = {};
    for (const item of corpus.values) {
      const value = marshal.loads(fromHex(item.hex));
      decoded[item.name] = value;
      await assertPythonLoadsEqual(peer, "marshal", item.name, marshal.dumps(value));
    }
    // A few decoded values checked here too, not only by Python.
    assert.deepEqual(decoded["ints around 2**64"], [
      2n ** 63n - 1n,
      2n ** 63n,
      -(2n ** 63n),
      -(2n ** 63n) - 1n,
      2n ** 64n - 1n,
      2n ** 64n,
      2n ** 64n + 1n,
      -(2n ** 64n),
    ]);
    assert.deepEqual(decoded["ints around 2**53"], [
      2 ** 53 - 1,
      2n ** 53n,
      2n ** 53n + 1n,
      -(2 ** 53) + 1,
      -(2n ** 53n),
      -(2n ** 53n) - 1n,
    ]);
    assert.ok(Object.is(decoded["negative zero"], -0));
    assert.deepEqual(decoded["bytes 0-255"], allBytes);
    assert.deepEqual(decoded["set of ints"], new Set([1, 2, 3, 1000]));
    assert.deepEqual(
      decoded["dict with mixed keys"],
      new Map<unknown, unknown>([[1, "int"], ["s", "str"], [2.5, "float"], [[1, 2], "tuple"], [
        false,
        "bool",
      ]]),
    );
    assert.deepEqual(decoded["complex"], [new Complex(1, 2), new Complex(-1.5, -0.5)]);
    assert.equal(
      decoded["unicode"],
      "h\u00e9llo \u20ac \u{1F600} \u{1F4A9} \u4e2d\u6587 \u{10348}",
    );
  });

  for (const item of SENT) {
    it(`Python decodes and re-encodes ${item.label}`, async () => {
      const answer = await peer.request({
        op: "echo",
        ser: "marshal",
        hex: toHex(marshal.dumps(item.value)),
      });
      assert.equal(answer.ok, true, `${item.label}: ${answer.error}`);
      if (item.repr instanceof RegExp) assert.match(answer.repr, item.repr, item.label);
      else if (item.repr !== undefined) assert.equal(answer.repr, item.repr, item.label);
      if (item.setMembers) sameSetRepr(answer.repr, item.setMembers, item.label);
      const back = marshal.loads(fromHex(answer.hex));
      if (item.check) item.check(back);
      else assert.deepEqual(back, decodedForm(item.value), item.label);
    });
  }

  it("calls: Python reads ours (vargs as a list) and we read Python's", async () => {
    const calls: Array<
      { args: [string, string, unknown[], Record<string, unknown> | null]; repr: RegExp | string }
    > = [
      {
        args: ["obj_1", "add", tuple(1, "x"), { b: 2n ** 64n }],
        repr: "('obj_1', 'add', [1, 'x'], {'b': 18446744073709551616})",
      },
      { args: ["obj_1", "ping", [], {}], repr: "('obj_1', 'ping', [], {})" },
      {
        args: ["Pyro.Daemon", "get_metadata", ["obj_1"], {}],
        repr: "('Pyro.Daemon', 'get_metadata', ['obj_1'], {})",
      },
      {
        args: ["svc", "store", [new URI("PYRO:x@localhost:1"), new Set([1])], {
          when: new Date(0),
          deep: [[{}]],
        }],
        repr:
          /^\('svc', 'store', \[<Pyro5\.core\.URI at 0x[0-9a-f]+; PYRO:x@localhost:1>, \{1\}\], \{'when': '1970-01-01T00:00:00\+00:00', 'deep': \[\[\{\}\]\]\}\)$/,
      },
    ];
    for (const { args, repr } of calls) {
      const answer = await peer.request({
        op: "echocall",
        ser: "marshal",
        hex: toHex(marshal.dumpsCall(...args)),
      });
      assert.equal(answer.ok, true, answer.error);
      if (typeof repr === "string") assert.equal(answer.repr, repr);
      else assert.match(answer.repr, repr);
      const call = marshal.loadsCall(fromHex(answer.hex));
      assert.equal(call.objectId, args[0]);
      assert.equal(call.method, args[1]);
      assert.deepEqual(
        call.vargs.map((v) => v instanceof URI ? String(v) : v),
        decodedForm(args[2].map((v) => v instanceof URI ? String(v) : v)),
      );
      assert.deepEqual(call.kwargs, decodedForm(args[3]));
    }
    // kwargs None: Python's loadsCall takes it; its dumpsCall then fails, as documented.
    const none = await peer.request({
      op: "echocall",
      ser: "marshal",
      hex: toHex(marshal.dumpsCall("obj_1", "__getattr__", ["value"], null)),
    });
    assert.equal(none.ok, false);
    assert.match(none.error, /AttributeError: 'NoneType' object has no attribute 'items'/);
  });

  it("300 random values survive the trip through Python's marshal", async () => {
    const next = seededRandom(0xc0ffee);
    for (let i = 0; i < 300; i++) {
      const value = randomValue(next, 4);
      const answer = await peer.request({
        op: "echo",
        ser: "marshal",
        hex: toHex(marshal.dumps(value)),
      });
      assert.equal(answer.ok, true, `value ${i}: ${answer.error}`);
      assert.deepEqual(
        marshal.loads(fromHex(answer.hex)),
        decodedForm(value),
        `value ${i}: ${answer.repr}`,
      );
    }
  });
});

const CHARS = [
  "a",
  "Z",
  "'",
  '"',
  "\\",
  "\n",
  "\x00",
  "\x7f",
  "\x80",
  "\u00e9",
  "\u20ac",
  "\u{1F600}",
  "\ud800",
  "\udfff",
  " ",
];

function randomString(next: () => number): string {
  const n = next() < 0.1 ? 200 + Math.floor(next() * 200) : Math.floor(next() * 12);
  let s = "";
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(next() * CHARS.length)];
  return s;
}

/** Keys Python can hash without collisions between them (no bools or floats next to ints). */
function randomKey(next: () => number, depth: number): unknown {
  const r = next();
  if (r < 0.4) return randomString(next);
  if (r < 0.7) return Math.floor(next() * 2000) - 1000;
  if (r < 0.8) return 2n ** 64n + BigInt(Math.floor(next() * 1000));
  if (depth > 0) return tuple(randomKey(next, depth - 1), randomKey(next, depth - 1));
  return "k";
}

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth === 0 || r < 0.45) {
    const s = next();
    if (s < 0.1) return null;
    if (s < 0.2) return next() < 0.5;
    if (s < 0.35) return Math.floor((next() - 0.5) * 2 ** (1 + Math.floor(next() * 60)));
    if (s < 0.45) {
      return BigInt(Math.floor(next() * 2 ** 30)) * 2n ** BigInt(Math.floor(next() * 100)) *
        (next() < 0.5 ? -1n : 1n);
    }
    if (s < 0.6) return [0.5, -0, NaN, Infinity, 1e-300, next() * 1e10][Math.floor(next() * 6)];
    if (s < 0.85) return randomString(next);
    if (s < 0.95) {
      return Uint8Array.from({ length: Math.floor(next() * 20) }, () => Math.floor(next() * 256));
    }
    return new Complex(next(), -next());
  }
  const n = Math.floor(next() * 5);
  const c = next();
  if (c < 0.25) return Array.from({ length: n }, () => randomValue(next, depth - 1));
  if (c < 0.4) return tuple(...Array.from({ length: n }, () => randomValue(next, depth - 1)));
  if (c < 0.6) {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) obj[randomString(next) + i] = randomValue(next, depth - 1);
    return obj;
  }
  if (c < 0.8) {
    const map = new Map<unknown, unknown>();
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const key = randomKey(next, 2);
      const id = JSON.stringify(key, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
      if (seen.has(id)) continue;
      seen.add(id);
      map.set(key, randomValue(next, depth - 1));
    }
    return map;
  }
  const set = new Set<unknown>();
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const key = randomKey(next, 1);
    const id = JSON.stringify(key, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
    if (!seen.has(id)) {
      seen.add(id);
      set.add(key);
    }
  }
  return set;
}
