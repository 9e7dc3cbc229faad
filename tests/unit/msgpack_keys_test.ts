import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getSerializer } from "../../serializers/mod.ts";

describe("msgpack key cache", () => {
  const msgpack = getSerializer("msgpack");

  it("decodes many distinct and repeated keys exactly, slots shared or not", () => {
    const value: Record<string, number> = {};
    for (let i = 0; i < 20000; i++) value[`k${i.toString(36)}`] = i;
    const bytes = msgpack.dumps(value);
    for (let round = 0; round < 2; round++) assert.deepEqual(msgpack.loads(bytes), value);
  });

  it("tells apart keys of equal length that differ in one byte", () => {
    const list = [{ abcd: 1 }, { abce: 2 }, { abcd: 3 }, { "ab\u00e9": 4 }, { "ab\u00ea": 5 }];
    assert.deepEqual(msgpack.loads(msgpack.dumps(list)), list);
  });

  it("still makes __proto__ an own key, and refuses bad UTF-8 in a key", () => {
    const parsed = msgpack.loads(msgpack.dumps({ ["__proto__"]: 1 } as never)) as object;
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.keys(parsed), ["__proto__"]);
    // {"\xff\xfe": 1}: a fixmap with a 2-byte string key that is not UTF-8.
    assert.throws(() => msgpack.loads(new Uint8Array([0x81, 0xa2, 0xff, 0xfe, 0x01])), /UTF-8/);
    // A key cut short by the end of the data.
    assert.throws(() => msgpack.loads(new Uint8Array([0x81, 0xa5, 0x61])), /truncated/);
  });
});
