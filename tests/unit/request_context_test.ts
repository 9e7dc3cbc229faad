import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RequestContext } from "../../server/request_context.ts";
import { bytesToUuid, randomCorrelationBytes, uuidToBytes } from "../../protocol/correlation.ts";

const request = {
  clientSockAddr: "127.0.0.1:1",
  seq: 7,
  msgFlags: 0,
  serializerId: 4,
  client: null,
};
const ID = "11112222-3333-4444-5555-666677778888";

describe("request context", () => {
  it("shows the request's correlation id and sends the same bytes back", () => {
    const bytes = uuidToBytes(ID);
    const context = new RequestContext(bytes, new Map(), request);
    assert.equal(context.correlationId, ID);
    assert.equal(context.correlationBytes(), bytes);
  });

  it("makes a fresh version 4 id when the request had none, the same as text and bytes", () => {
    const a = new RequestContext(null, new Map(), request);
    const b = new RequestContext(null, new Map(), request);
    assert.match(
      a.correlationId!,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(bytesToUuid(a.correlationBytes()), a.correlationId);
    assert.notEqual(a.correlationId, b.correlationId);
  });

  it("replies with an id that the call set, and falls back to the request's when set to null", () => {
    const context = new RequestContext(uuidToBytes(ID), new Map(), request);
    const other = "aaaabbbb-cccc-4ddd-8eee-ffff00001111";
    context.correlationId = other;
    assert.equal(bytesToUuid(context.correlationBytes()), other);
    context.correlationId = null;
    assert.equal(context.correlationId, null);
    assert.equal(bytesToUuid(context.correlationBytes()), ID);
  });

  it("copies the annotations into a plain object, leaving __proto__ out", () => {
    const annotations = new Map([["XTRA", new Uint8Array([1])], [
      "__proto__",
      new Uint8Array([2]),
    ]]);
    const context = new RequestContext(null, annotations, request);
    assert.deepEqual(Object.keys(context.annotations), ["XTRA"]);
    assert.equal(Object.getPrototypeOf(context.annotations), Object.prototype);
    assert.equal(context.seq, 7);
  });

  it("draws random ids that differ across the pool's refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(bytesToUuid(randomCorrelationBytes()));
    assert.equal(seen.size, 1000);
  });
});
