// Live round trips with real Python Pyro5 serializers, for every serializer:
// Python's corpus decoded here and sent back (Python checks it), and values
// encoded here decoded by Python and sent back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../serializers/mod.ts";
import { Complex, type SerializerName, tuple } from "../../serializers/types.ts";
import { assertPythonLoadsEqual, suitePeer } from "../fixtures/python.ts";
import { fromHex, pyBytes, toHex } from "../helpers.ts";

const NAMES: SerializerName[] = ["serpent", "marshal", "json", "msgpack"];

function deep(levels: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = [v, { [`k${i}`]: i }];
  return v;
}

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

/** Values we send, with the repr Python must see (per serializer where they differ). */
function ours(
  name: SerializerName,
): Array<
  { label: string; value: unknown; repr?: string; reprs?: Partial<Record<SerializerName, string>> }
> {
  const list: Array<
    {
      label: string;
      value: unknown;
      repr?: string;
      reprs?: Partial<Record<SerializerName, string>>;
    }
  > = [
    { label: "null", value: null, repr: "None" },
    { label: "empty containers", value: [[], {}, ""], repr: "[[], {}, '']" },
    {
      label: "unicode outside the BMP",
      value: "h\u00e9 \u20ac \u{1F600} \u{10348}",
      repr: "'h\u00e9 \u20ac \u{1F600} \u{10348}'",
    },
    {
      label: "ints around 2^53",
      value: [2 ** 53 - 1, 2n ** 53n, -(2n ** 53n) - 1n],
      repr: "[9007199254740991, 9007199254740992, -9007199254740993]",
    },
    {
      label: "ints around 2^64",
      value: [2n ** 63n - 1n, 2n ** 64n, -(2n ** 64n) - 1n],
      repr: "[9223372036854775807, 18446744073709551616, -18446744073709551617]",
    },
    {
      // A leading U+FEFF is text, not a byte order mark, inside a value (short, long, past the
      // size from which UTF-8 is decoded leniently first).
      label: "strings that start with U+FEFF",
      value: ["\ufeffx", "\ufeff" + "y".repeat(20), "\ufeff" + "z".repeat(70000)],
    },
    { label: "a long string holding U+FFFD", value: "\ufffd".repeat(3) + "a".repeat(70000) },
    { label: "negative zero", value: -0, repr: "-0.0" },
    { label: "nan", value: NaN, repr: "nan" },
    { label: "infinities", value: [Infinity, -Infinity], repr: "[inf, -inf]" },
    { label: "floats", value: [0.1, 1e16, 1e-5, 1.5], repr: "[0.1, 1e+16, 1e-05, 1.5]" },
    { label: "deep nesting", value: deep(80) },
    { label: "dict", value: { b: 1, a: [true, false] }, repr: "{'b': 1, 'a': [True, False]}" },
    {
      label: "tuple",
      value: tuple(1, "x"),
      reprs: { serpent: "(1, 'x')", marshal: "(1, 'x')", json: "[1, 'x']", msgpack: "[1, 'x']" },
    },
  ];
  if (name !== "json") {
    list.push({
      label: "bytes of every value",
      value: allBytes,
      reprs: {
        serpent: `{'data': '${btoa(String.fromCharCode(...allBytes))}', 'encoding': 'base64'}`,
        marshal: pyBytes(allBytes),
        msgpack: pyBytes(allBytes),
      },
    });
    list.push({ label: "complex", value: new Complex(1.5, -2), repr: "(1.5-2j)" });
  }
  if (name === "serpent" || name === "marshal") {
    list.push({ label: "set", value: new Set([3]), repr: "{3}" });
    list.push({
      label: "map with mixed keys",
      value: new Map<unknown, unknown>([[1, "int"], ["s", "str"], [tuple(1, 2), "t"]]),
      repr: "{1: 'int', 's': 'str', (1, 2): 't'}",
    });
  }
  return list;
}

describe("serializer round trips with real Python Pyro5", () => {
  const peer = suitePeer("serializer_peer.py");

  for (const name of NAMES) {
    describe(name, () => {
      it("decodes Python's corpus and sends it back equal", async () => {
        const serializer = getSerializer(name);
        const corpus = await peer.request({ op: "corpus", ser: name });
        assert.equal(corpus.ok, true, corpus.error);
        assert.ok(corpus.values.length >= 15);
        for (const item of corpus.values) {
          const value = serializer.loads(fromHex(item.hex));
          await assertPythonLoadsEqual(peer, name, item.name, serializer.dumps(value));
        }
      });

      it("sends values Python decodes as expected, and reads Python's re-encoding back", async () => {
        const serializer = getSerializer(name);
        for (const item of ours(name)) {
          const answer = await peer.request({
            op: "echo",
            ser: name,
            hex: toHex(serializer.dumps(item.value)),
          });
          assert.equal(answer.ok, true, `${item.label}: ${answer.error}`);
          const repr = item.reprs?.[name] ?? item.repr;
          if (repr !== undefined) assert.equal(answer.repr, repr, item.label);
          const back = serializer.loads(fromHex(answer.hex));
          const expected = name === "serpent" || name === "marshal"
            ? item.value
            : serializer.loads(serializer.dumps(item.value));
          assert.deepEqual(normalise(back), normalise(expected), item.label);
        }
      });

      it("sends calls Python decodes, and reads Python's calls", async () => {
        const serializer = getSerializer(name);
        const bytes = serializer.dumpsCall("obj_1", "add", tuple(1, "x"), { b: 2n ** 64n });
        const answer = await peer.request({ op: "echocall", ser: name, hex: toHex(bytes) });
        assert.equal(answer.ok, true, answer.error);
        assert.match(
          answer.repr,
          /^[([]'obj_1', 'add', [([]1, 'x'[)\]], \{'b': 18446744073709551616\}[)\]]$/,
        );
        assert.deepEqual(serializer.loadsCall(fromHex(answer.hex)), {
          objectId: "obj_1",
          method: "add",
          vargs: [1, "x"],
          kwargs: { b: 2n ** 64n },
        });
      });
    });
  }
});

/** Tuples read back as plain arrays; drop the marker for comparison. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) {
    return new Map([...v].map(([k, x]) => [
      JSON.stringify(normalise(k), (_k, y) => typeof y === "bigint" ? String(y) : y),
      normalise(x),
    ]));
  }
  if (v instanceof Set) return new Set([...v].map(normalise));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}
