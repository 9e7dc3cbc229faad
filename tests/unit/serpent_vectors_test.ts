// deno-lint-ignore-file no-explicit-any
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SerpentSerializer } from "../../serializers/classes.ts";
import { SerpentParser } from "../../serializers/serpent_parser.ts";
import { ExceptionWrapper } from "../../serializers/registry.ts";
import { URI } from "../../uri.ts";
import { fromHex, loadVectors, toHex } from "../helpers.ts";
import * as golden from "../vector_values.ts";

const vectors = loadVectors("serializer_serpent.json") as {
  values: golden.ValueRow[];
  calls: Array<{ name: string; python: string; hex: string; loadsCall?: string }>;
};
const extras = loadVectors("serializer_extras_serpent.json") as {
  formatting: Array<{ name: string; text: string }>;
  parsing: Array<{ text: string; result: string; type: string }>;
};
const objects = loadVectors("pyro_objects.json") as {
  objects: Array<Record<string, any>>;
  class_registry: Record<string, any>;
};
const serpent = new SerpentSerializer();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("serpent golden vectors", () => {
  it("decodes every value and re-encodes each deterministic one byte for byte", () => {
    let decoded = 0;
    let reencoded = 0;
    let deterministic = 0;
    for (const row of vectors.values) {
      const input = golden.inputValue(row);
      if (row.hex) {
        const got = serpent.loads(fromHex(row.hex));
        const error = golden.expectedError(row);
        if (error) {
          assert.ok(got instanceof Error, row.name);
          assert.equal(got.name, error.name, row.name);
          assert.deepEqual(
            (got as { args?: unknown[] }).args ?? [got.message],
            error.args,
            row.name,
          );
        } else if (row.loads_error) {
          // More lenient than Python (README): dicts of unknown classes stay dicts,
          // exception dicts of unknown classes become RemoteErrors.
          assert.ok(
            got instanceof Error || (typeof got === "object" && got !== null && "__class__" in got),
            row.name,
          );
        } else {
          assert.deepEqual(got, golden.expectedValue(row), row.name);
        }
        decoded++;
      }
      if ("skip" in input) continue;
      deterministic++;
      assert.equal(
        toHex(serpent.dumps(input.value)),
        row.hex,
        `${row.name}: ${text(serpent.dumps(input.value))}`,
      );
      reencoded++;
    }
    assert.equal(decoded, vectors.values.length);
    console.log(
      `serpent vectors: ${decoded} decoded, ${reencoded} re-encoded byte-identically (of ${deterministic} deterministic; the other ${
        vectors.values.length - deterministic
      } are naive datetimes, dates, times and timedeltas, which JavaScript has no type for)`,
    );
  });

  it("decodes and re-encodes every call", () => {
    golden.assertCallVectors(serpent, vectors.calls);
  });

  it("parses unusual literals the way ast.literal_eval does", () => {
    for (const row of extras.parsing) {
      if (row.text.includes("\\N{")) {
        // \N{NAME} needs Unicode's name table, which we do not ship: a clear error instead.
        assert.throws(
          () => new SerpentParser(row.text).parse(),
          /\\N\{name\} escapes are not supported/,
        );
        continue;
      }
      const got = new SerpentParser(row.text, { convertClasses: false }).parse();
      const want = row.type === "set" && row.result === "set()" ? new Set() : golden.expectedValue({
        name: row.text,
        python: "",
        loads: row.result,
        loads_type: row.type,
      });
      assert.deepEqual(got, want, row.text);
    }
  });

  it("writes bytes as b'' literals with bytesRepr, as SERPENT_BYTES_REPR does", () => {
    const want = extras.formatting.find((f) => f.name.startsWith("bytes with bytes_repr"))!.text;
    const withRepr = new SerpentSerializer({ bytesRepr: true });
    assert.equal(text(withRepr.dumps(new Uint8Array([0, 0x61, 0x62, 0x27]))), want);
    assert.deepEqual(
      withRepr.loads(new TextEncoder().encode(want)),
      new Uint8Array([0, 0x61, 0x62, 0x27]),
    );
  });

  it("encodes and decodes Pyro's own objects", () => {
    for (const obj of objects.objects) {
      const row = obj.serpent;
      const got = serpent.loads(fromHex(row.hex));
      if (row.loads_type === "Pyro5.core.URI") {
        assert.ok(got instanceof URI, obj.name);
        assert.equal(toHex(serpent.dumps(got)), row.hex, obj.name);
      } else if (obj.name.startsWith("_ExceptionWrapper")) {
        assert.ok(got instanceof ExceptionWrapper, obj.name);
        assert.equal((got as ExceptionWrapper).exception.message, "v");
        assert.equal(toHex(serpent.dumps(got)), row.hex, obj.name);
      }
    }
    const registry = objects.class_registry;
    assert.equal(
      text(serpent.dumps({ __class__: "mymodule.Thing", x: 1 })),
      registry.class_to_dict_dumps.serpent,
    );
  });
});
