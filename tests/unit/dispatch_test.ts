// Dispatch without a socket: instance modes, member calls, batches and error dicts, called as
// the plain functions the session calls.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { behavior, expose } from "../../server.ts";
import {
  callMember,
  decodeCall,
  errorDict,
  LookupError,
  type Registered,
  runBatch,
  streamMarker,
  targetOf,
} from "../../server/dispatch.ts";
import { resolveConfig } from "../../config.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { ExceptionWrapper } from "../../serializers/registry.ts";
import { MsgType } from "../../protocol/constants.ts";
import { ProtocolError } from "../../errors.ts";

class Counter {
  static made = 0;
  n = 0;
  constructor() {
    Counter.made++;
  }
  add(a: number, b = 1) {
    return this.n += a + b;
  }
  fail(): never {
    throw new RangeError("no");
  }
  hidden() {
    return "unexposed";
  }
}
expose(Counter, "add", "fail");

describe("dispatch", () => {
  it("makes targets per instance mode", () => {
    const per = (mode: "single" | "session" | "percall"): Registered => {
      const cls = class extends Counter {};
      behavior({ instanceMode: mode })(cls);
      return { kind: "class", cls };
    };
    const single = per("single");
    assert.equal(targetOf(single, new Map()), targetOf(single, new Map()));
    const session = per("session");
    const instances = new Map();
    assert.equal(targetOf(session, instances), targetOf(session, instances));
    assert.notEqual(targetOf(session, instances), targetOf(session, new Map()));
    const percall = per("percall");
    assert.notEqual(targetOf(percall, new Map()), targetOf(percall, new Map()));
    const obj = new Counter();
    assert.equal(targetOf({ kind: "object", obj }, new Map()), obj);
    assert.throws(() => targetOf(undefined, new Map()), /unknown object/);
  });

  it("calls exposed members, keyword arguments by name, and refuses the rest", () => {
    const c = new Counter();
    assert.equal(callMember(c, "add", [1], { b: 10 }), 11);
    assert.throws(() => callMember(c, "hidden", [], null), LookupError);
    assert.throws(() => callMember(c, "_private", [], null), /private attribute/);
    assert.throws(() => callMember(c, "nothing", [], null), /'Counter' object has no attribute/);
  });

  it("runs a batch up to the first failure, which ends it with an _ExceptionWrapper", async () => {
    const c = new Counter();
    const results = await runBatch(
      c,
      [["add", [1], {}], ["fail", [], {}], ["add", [1], {}]],
      false,
    );
    assert.equal(results.length, 2);
    assert.equal(results[0], 2);
    assert.ok(results[1] instanceof ExceptionWrapper);
    await assert.rejects(runBatch(c, [["hidden", [], {}]], false), LookupError);
    await assert.rejects(runBatch(c, ["junk"], false), ProtocolError);
  });

  it("turns errors into Pyro5's exception dicts, and iterators into the stream marker", () => {
    const dict = errorDict(new RangeError("out"), false);
    assert.equal(dict.__class__, "builtins.ValueError");
    assert.deepEqual([...dict.args as unknown[]], ["out"]);
    assert.ok(Array.isArray((dict.attributes as Record<string, unknown>)._pyroTraceback));
    assert.equal(streamMarker().__class__, "Pyro5.errors.ProtocolError");
  });

  it("decodes a request, and refuses names over 1024 characters", () => {
    const json = getSerializer("json");
    const config = resolveConfig();
    const message = (payload: Uint8Array) => ({
      type: MsgType.INVOKE,
      serializerId: json.id,
      seq: 1,
      flags: 0,
      payload,
      annotations: new Map(),
      correlationId: null,
    });
    const call = decodeCall(message(json.dumpsCall("obj", "add", [1], {})), json, config);
    assert.deepEqual([call.objectId, call.method, [...call.vargs]], ["obj", "add", [1]]);
    const long = message(json.dumpsCall("x".repeat(1025), "m", [], {}));
    assert.throws(() => decodeCall(long, json, config), /too long/);
  });
});
