import { it } from "node:test";
import assert from "node:assert/strict";
import { DictBuilder } from "../../serializers/dict_builder.ts";
import { getSerializer } from "../../serializers/mod.ts";

it("keeps the wire order of keys when a dict becomes a Map, integer-like keys included", () => {
  const d = new DictBuilder();
  d.set("2", "x");
  d.set("1", "y");
  d.set("__proto__", 5);
  d.set(3, "z");
  const m = d.result() as Map<unknown, unknown>;
  assert.deepEqual([...m.keys()], ["2", "1", "__proto__", 3]);
  assert.equal(m.get("__proto__"), 5);
  const serpent = getSerializer("serpent");
  const back = serpent.loads(new TextEncoder().encode("{'2':'x','1':'y',3:'z'}")) as Map<
    unknown,
    unknown
  >;
  assert.deepEqual([...back.keys()], ["2", "1", 3]);
});
