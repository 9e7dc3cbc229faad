import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { activeContext, currentContext, newCallContext, runWithContext } from "../../context.ts";

describe("call context", () => {
  it("keeps each call's context across awaits, and the process context outside", async () => {
    currentContext.correlationId = null;
    const seen: Array<string | null> = [];
    const call = (id: string, delay: number) =>
      runWithContext(newCallContext({ correlationId: id }), async () => {
        await new Promise((r) => setTimeout(r, delay));
        seen.push(currentContext.correlationId);
        currentContext.responseAnnotations = { RESP: new Uint8Array([1]) };
        return activeContext();
      });
    const [a, b] = await Promise.all([call("a", 20), call("b", 1)]);
    assert.deepEqual(seen, ["b", "a"]);
    assert.deepEqual(a.responseAnnotations, { RESP: new Uint8Array([1]) });
    assert.equal(b.correlationId, "b");
    assert.equal(currentContext.correlationId, null);
    assert.deepEqual(currentContext.responseAnnotations, {});
  });

  it("tracks resources through the client of the call", () => {
    const tracked: unknown[] = [];
    const client = {
      trackResource: (r: unknown) => tracked.push(r),
      untrackResource: () => tracked.pop(),
    };
    const resource = { close() {} };
    runWithContext(newCallContext({ client }), () => currentContext.trackResource(resource));
    assert.deepEqual(tracked, [resource]);
    assert.throws(() => currentContext.trackResource(resource), /not inside a call/);
  });
});
