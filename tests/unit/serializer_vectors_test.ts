// Golden vectors of the json, msgpack and marshal serializers (serpent has its own file).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../serializers/mod.ts";
import { ExceptionWrapper } from "../../serializers/registry.ts";
import type { SerializerName } from "../../serializers/types.ts";
import { SerializeError } from "../../errors.ts";
import { URI } from "../../uri.ts";
import { fromHex, loadVectors, toHex } from "../helpers.ts";
import {
  assertCallVectors,
  expectedError,
  expectedValue,
  inputValue,
  type ValueRow,
} from "../vector_values.ts";

/**
 * CPython sets marshal's FLAG_REF bit, and picks interned string codes, by
 * reference counts: compare with both normalised (`Z`→`z`, `A`→`a`, `t`→`u`,
 * flag cleared). Python writes no back-reference in these single values.
 */
function normaliseMarshal(hex: string): string {
  // Walks the structure so that only type bytes are touched, never data bytes.
  const b = fromHex(hex);
  let i = 0;
  const out: number[] = [];
  const copy = (n: number) => {
    for (let k = 0; k < n; k++) out.push(b[i++]);
  };
  const u32 = () => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
  const value = (): void => {
    let code = String.fromCharCode(b[i] & 0x7f);
    if (code === "Z") code = "z";
    if (code === "A") code = "a";
    if (code === "t") code = "u";
    out.push(code.charCodeAt(0));
    i++;
    switch (code) {
      case "N":
      case "T":
      case "F":
        return;
      case "i":
        return copy(4);
      case "g":
        return copy(8);
      case "y":
        return copy(16);
      case "l": {
        const n = Math.abs(u32());
        copy(4);
        return copy(n * 2);
      }
      case "s":
      case "u":
      case "a": {
        const n = u32();
        copy(4);
        return copy(n);
      }
      case "z": {
        const n = b[i];
        copy(1);
        return copy(n);
      }
      case ")": {
        const n = b[i];
        copy(1);
        for (let k = 0; k < n; k++) value();
        return;
      }
      case "(":
      case "[":
      case "<":
      case ">": {
        const n = u32();
        copy(4);
        for (let k = 0; k < n; k++) value();
        return;
      }
      case "{": {
        while (b[i] !== 0x30) {
          value();
          value();
        }
        copy(1);
        return;
      }
    }
    throw new Error(`unexpected marshal code ${code} in a vector`);
  };
  value();
  return toHex(Uint8Array.from(out));
}

/** Rows whose bytes cannot come out the same from JavaScript, with the reason. */
const NOT_IDENTICAL: Partial<Record<SerializerName, Record<string, string>>> = {
  marshal: {
    frozenset: "JS has one Set type, sent as a set; Python receives a set, not a frozenset",
  },
  msgpack: {
    // A JS Date is an instant; Python's ext 0x32 is a naive local time with microseconds.
    "datetime naive": "JS has no naive datetime",
  },
};

for (const name of ["json", "msgpack", "marshal"] as const) {
  const vectors = loadVectors(`serializer_${name}.json`) as {
    values: ValueRow[];
    calls: Array<{ name: string; python: string; hex: string; loadsCall?: string }>;
  };
  const serializer = getSerializer(name);
  const same = (a: string, b: string) =>
    name === "marshal" ? normaliseMarshal(a) === normaliseMarshal(b) : a === b;

  describe(`${name} golden vectors`, () => {
    it("decodes every value and re-encodes each deterministic one identically", () => {
      let decoded = 0;
      let reencoded = 0;
      let deterministic = 0;
      let refusals = 0;
      for (const row of vectors.values) {
        if (row.hex) {
          const got = serializer.loads(fromHex(row.hex));
          const error = expectedError(row);
          if (error) {
            assert.ok(got instanceof Error, row.name);
            assert.equal(got.name, error.name, row.name);
          } else if (row.loads_error) {
            // Python refuses these on load; we are more lenient (README): dicts stay dicts,
            // maps with non-string keys become Maps, unknown exception classes RemoteErrors.
            assert.ok(got !== undefined, row.name);
          } else if (name === "msgpack" && row.loads_type === "datetime") {
            assert.ok(got instanceof Date, row.name);
          } else if (name === "msgpack" && row.loads_type === "date") {
            assert.equal((got as Date).toISOString(), "2024-01-02T00:00:00.000Z", row.name);
          } else {
            assert.deepEqual(got, expectedValue(row), row.name);
          }
          decoded++;
        }
        const input = inputValue(row);
        if ("skip" in input || NOT_IDENTICAL[name]?.[row.name]) continue;
        if (row.dumps_error) {
          // Where Python refuses to encode, we either refuse too (json: bytes, complex) or send
          // what the type mapping says (a Set as a list, a Date as ISO text).
          try {
            serializer.dumps(input.value);
          } catch (e) {
            assert.ok(e instanceof SerializeError, `${row.name}: ${e}`);
            refusals++;
          }
          continue;
        }
        deterministic++;
        assert.ok(
          same(toHex(serializer.dumps(input.value)), row.hex!),
          `${row.name}: ${toHex(serializer.dumps(input.value))} != ${row.hex}`,
        );
        reencoded++;
      }
      assert.equal(decoded, vectors.values.filter((r) => r.hex).length);
      console.log(
        `${name} vectors: ${decoded} decoded, ${reencoded} re-encoded ${
          name === "marshal" ? "identically up to CPython's FLAG_REF bits" : "byte-identically"
        } (of ${deterministic} deterministic), ${refusals} refused as Python refuses`,
      );
    });

    it("decodes and re-encodes every call", () => {
      assertCallVectors(serializer, vectors.calls, same);
    });

    it("encodes and decodes Pyro's own objects", () => {
      for (const obj of loadVectors("pyro_objects.json").objects) {
        const row = obj[name];
        if (!row?.hex) continue;
        const got = serializer.loads(fromHex(row.hex));
        if (row.loads_type === "Pyro5.core.URI") {
          assert.ok(got instanceof URI, obj.name);
          if (!obj.name.includes("PYROMETA")) {
            assert.ok(same(toHex(serializer.dumps(got)), row.hex), obj.name);
          }
        }
        if (obj.name.startsWith("_ExceptionWrapper")) {
          assert.ok(got instanceof ExceptionWrapper, obj.name);
        }
      }
    });
  });
}
