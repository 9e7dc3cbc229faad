// Both halves of the handshake, without a socket: what the client builds the daemon reads, and
// what the daemon answers the client checks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  awaitConnectReply,
  connectFailMessage,
  connectMessage,
  connectOkMessage,
  readConnect,
  readConnectReply,
} from "../../protocol/handshake.ts";
import { type Message, MsgType } from "../../protocol/mod.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { CommunicationError, ProtocolError, TimeoutError } from "../../errors.ts";
import type { OutgoingMessage } from "../../protocol/outbox.ts";

/** An outgoing message as the peer receives it. */
function received(m: OutgoingMessage): Message {
  return {
    type: m.type,
    serializerId: m.serializerId,
    seq: m.seq,
    flags: m.flags ?? 0,
    payload: m.payload as Uint8Array,
    annotations: new Map(Object.entries(m.annotations ?? {})),
    correlationId: m.correlationId ?? null,
  };
}

describe("handshake", () => {
  for (const name of ["serpent", "json", "marshal", "msgpack"] as const) {
    it(`CONNECT and CONNECTOK round trip in ${name}`, () => {
      const serializer = getSerializer(name);
      const connect = connectMessage({ handshake: { token: "t" }, object: "obj" }, {
        serializer,
        seq: 3,
      });
      assert.equal(connect.type, MsgType.CONNECT);
      const request = readConnect(received(connect), serializer);
      assert.equal(request.object, "obj");
      assert.deepEqual(Object.fromEntries(Object.entries(request.handshake as object)), {
        token: "t",
      });
      const ok = connectOkMessage({ handshake: "welcome", meta: { methods: ["a"] } }, {
        serializer,
        seq: connect.seq,
      });
      const answer = readConnectReply(received(ok), "here");
      assert.equal(answer.handshake, "welcome");
      assert.ok(answer.meta);
    });
  }

  it("turns CONNECTFAIL into a CommunicationError with the daemon's reason", () => {
    const fail = connectFailMessage("go away", 0);
    assert.equal(fail.serializerId, getSerializer("marshal").id);
    assert.equal(fail.correlationId?.length, 16);
    assert.throws(
      () => readConnectReply(received(fail), "127.0.0.1:1"),
      (e: Error) =>
        e instanceof CommunicationError &&
        e.message === "connection to 127.0.0.1:1 rejected: go away",
    );
  });

  it("refuses an answer of another type, and CONNECT data of the wrong shape", () => {
    const json = getSerializer("json");
    const other = connectFailMessage("x", 0, json);
    assert.throws(
      () => readConnectReply({ ...received(other), type: MsgType.RESULT }, "there"),
      (e: Error) => e instanceof ProtocolError && /invalid msg type 5/.test(e.message),
    );
    const bad = { ...received(other), payload: json.dumps({ object: 1 }) };
    assert.throws(() => readConnect(bad, json), /invalid handshake data/);
  });

  it("gives up waiting for the answer after the timeout", async () => {
    await assert.rejects(
      awaitConnectReply(new Promise(() => {}), 0.01, "slow:1"),
      (e: Error) => e instanceof TimeoutError && /connecting to slow:1: timeout/.test(e.message),
    );
  });
});
