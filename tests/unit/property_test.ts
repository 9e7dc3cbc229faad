// Property tests (fast-check): every value of the type mapping's core round-trips through each
// serializer, and no byte sequence makes a decoder throw anything but our ProtocolError or
// SerializeError (nor hang: each run is bounded by the test timeout).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- Deno keeps no node_modules for dev dependencies (see devDependency)
import type FastCheck from "npm:fast-check@4.11.0";
import "../../client.ts"; // registers the Proxy class dict converter
import { getSerializer } from "../../serializers/mod.ts";
import { FrameDecoder } from "../../protocol/frame_decoder.ts";
import { MessageReader } from "../../protocol/message_stream.ts";
import { ProtocolError, SerializeError } from "../../errors.ts";
import { streamOf } from "../helpers.ts";
import { devDependency } from "../helpers.ts";

const fc: typeof FastCheck = await devDependency(
  "fast-check",
  // deno-lint-ignore no-import-prefix -- Deno keeps no node_modules for dev dependencies (see devDependency)
  () => import("npm:fast-check@4.11.0"),
);

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;
const RUNS = Number(process.env.PYRO5_PROPERTY_RUNS ?? 300);

/** Dict keys: any string but the ones the class registry or prototypes give a meaning. */
const key = fc.string({ unit: "grapheme", maxLength: 12 }).filter((k) =>
  k !== "__class__" && k !== "__proto__" && k !== "__exception__"
);

/** The values every serializer maps both ways without loss. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.string({ unit: "grapheme", maxLength: 40 }),
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 5 }),
    fc.dictionary(key, tie("node"), { maxKeys: 5 }).map((d) => ({ ...d })),
  ),
})).node;

/** What a dict comes back as: a Map for some formats, an object for others. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function ours(e: unknown): boolean {
  return e instanceof ProtocolError || e instanceof SerializeError;
}

describe("property: round trips", () => {
  for (const name of SERIALIZERS) {
    it(`${name}: every value of the mapping comes back equal`, () => {
      const s = getSerializer(name);
      fc.assert(
        fc.property(value, (v) => {
          assert.deepEqual(plain(s.loads(s.dumps(v))), plain(v));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe("fuzzing finds", () => {
  it("json: a proxy dict with a malformed URI is a SerializeError (was PyroError)", () => {
    const s = getSerializer("json");
    const text = '{"__class__": "Pyro5.client.Proxy", "state": ["PYRO:ob.0.0.1:9999", ' +
      '["fire"], ["add", "echo"], ["value"], "hello", null]}';
    assert.throws(() => s.loads(new TextEncoder().encode(text)), SerializeError);
  });
});

describe("property: hostile bytes", () => {
  for (const name of SERIALIZERS) {
    it(`${name}: any bytes decode or throw ProtocolError/SerializeError`, () => {
      const s = getSerializer(name);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          try {
            s.loads(bytes);
          } catch (e) {
            assert.ok(ours(e), `${name} threw ${e}`);
          }
          try {
            s.loadsCall(bytes);
          } catch (e) {
            assert.ok(ours(e), `${name} loadsCall threw ${e}`);
          }
        }),
        { numRuns: RUNS * 3 },
      );
    });

    it(`${name}: mutated valid payloads decode or throw ours`, () => {
      const s = getSerializer(name);
      fc.assert(
        fc.property(
          value,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
          (v, edits) => {
            const bytes = s.dumps(v).slice();
            for (const [at, b] of edits) if (bytes.length) bytes[at % bytes.length] = b;
            try {
              s.loads(bytes);
            } catch (e) {
              assert.ok(ours(e), `${name} threw ${e}`);
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it("the frame decoder and message reader: any bytes, any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        async (bytes, size, header) => {
          // Half the inputs start with a valid-looking magic, so the header checks get reached.
          if (header && bytes.length >= 4) bytes.set([0x50, 0x59, 0x52, 0x4f]);
          try {
            const decoder = new FrameDecoder({ maxMessageSize: 1 << 20 });
            for (let i = 0; i < bytes.length; i += size) decoder.push(bytes.subarray(i, i + size));
          } catch (e) {
            assert.ok(e instanceof ProtocolError, `frame decoder threw ${e}`);
          }
          const chunks = [];
          for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
          const reader = new MessageReader(streamOf(chunks), { maxMessageSize: 1 << 20 });
          try {
            while (await reader.read() !== null);
          } catch (e) {
            // A stream that ends inside a message is a ConnectionClosedError, by design.
            assert.ok(
              e instanceof ProtocolError || (e as Error).name === "ConnectionClosedError",
              `message reader threw ${e}`,
            );
          }
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });
});
