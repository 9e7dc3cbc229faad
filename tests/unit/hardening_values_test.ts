// Item 6 of the hardening: a call naming a huge method or object id gets a clear error, and the
// daemon goes on serving.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Daemon, expose } from "../../server.ts";
import { ProtocolError } from "../../errors.ts";
import { encodeMessage, Flags, MessageReader, MsgType } from "../../protocol/mod.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { nodeTransport } from "../../transport/node.ts";
import { servesNewClient, within } from "../hardening.ts";
import { MEASURE_FROM, utf8Room } from "../../serializers/text.ts";

class Echo {
  echo(x: unknown) {
    return x;
  }
}
expose(Echo);

describe("names in calls", () => {
  it("a 1 MB method name or object id is refused with a clear error", async () => {
    await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    const uri = daemon.register(Echo, "echo");
    const marshal = getSerializer("marshal");
    const connection = await nodeTransport.connect({ hostname: "127.0.0.1", port: uri.port! });
    const reader = new MessageReader(connection.chunks!());
    try {
      await connection.write(encodeMessage({
        type: MsgType.CONNECT,
        serializerId: marshal.id,
        seq: 0,
        payload: marshal.dumps({ handshake: "hello", object: "echo" }),
      }));
      assert.equal((await reader.read())!.type, MsgType.CONNECTOK);
      const huge = "m".repeat(1_000_000);
      for (const [objectId, method] of [["echo", huge], [huge, "echo"]]) {
        await connection.write(encodeMessage({
          type: MsgType.INVOKE,
          serializerId: marshal.id,
          seq: 1,
          payload: marshal.dumpsCall(objectId, method, [1], {}),
        }));
        const reply = (await within(reader.read(), 5000, "reply"))!;
        assert.ok(reply.flags & Flags.EXCEPTION);
        const error = marshal.loads(reply.payload);
        assert.ok(error instanceof ProtocolError, String(error));
        assert.match(error.message, /too long \(\d+ and \d+ characters; at most 1024\)/);
      }
      await servesNewClient(String(uri), 2000);
    } finally {
      await reader.cancel();
      await connection.close();
    }
  });

  it("a large string reserves its exact UTF-8 size, not 3 bytes per unit", () => {
    const long = "aé€😀\ud800b".repeat(MEASURE_FROM);
    // The lone surrogate counts 3 bytes, as its U+FFFD does.
    assert.equal(utf8Room(long), new TextEncoder().encode(long).length);
    assert.equal(utf8Room("x".repeat(MEASURE_FROM)), MEASURE_FROM);
    assert.equal(utf8Room("short"), 15);
    for (const name of ["msgpack", "marshal"]) {
      const s = getSerializer(name);
      assert.equal(
        s.loads(s.dumps(long)),
        long.replaceAll("\ud800", name === "marshal" ? "\ud800" : "\ufffd"),
      );
    }
  });
});
