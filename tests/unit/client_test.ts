// The proxy against a scripted peer over in-memory connections: no network.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { callOptions, Proxy, ProxyCore } from "../../client.ts";
import { ProtocolError, TimeoutError } from "../../errors.ts";
import { encodeMessage, Flags, type Message, MessageReader, MsgType } from "../../protocol/mod.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { type Connection, memoryPair, memoryTransport } from "../../transport/mod.ts";

const serpent = getSerializer("serpent");
const META = {
  methods: new Set(["echo", "slow"]),
  oneway: new Set(["fire"]),
  attrs: new Set(["value"]),
};

/**
 * A minimal scripted daemon: answers CONNECT, get_metadata, echo and slow
 * (slow replies only after the next request arrived, so its reply comes late).
 */
function scriptedDaemon(connection: Connection) {
  const seen: Message[] = [];
  const reader = new MessageReader(connection.readable);
  let held: Message | null = null;
  const reply = (m: Message, value: unknown, flags = 0) =>
    connection.write(
      encodeMessage({
        type: MsgType.RESULT,
        serializerId: m.serializerId,
        seq: m.seq,
        flags,
        payload: serpent.dumps(value),
      }),
    );
  const done = (async () => {
    for (let m = await reader.read(); m; m = await reader.read()) {
      seen.push(m);
      if (m.type === MsgType.CONNECT) {
        await connection.write(
          encodeMessage({
            type: MsgType.CONNECTOK,
            serializerId: 1,
            seq: m.seq,
            payload: serpent.dumps({ handshake: "hello", meta: META }),
          }),
        );
        continue;
      }
      const call = serpent.loadsCall(m.payload);
      if (call.method === "get_metadata") await reply(m, META);
      else if (call.method === "slow") held = m;
      else if (call.method === "echo") {
        await reply(m, call.vargs[0]);
        if (held) {
          await reply(held, "late");
          held = null;
        }
      } else if (call.method === "__getattr__") await reply(m, 42);
    }
  })();
  return { seen, done };
}

describe("Proxy over in-memory connections", () => {
  it("works over a connected socket without a handshake, as Pyro5's connected_socket", async () => {
    const [client, server] = memoryPair();
    const daemon = scriptedDaemon(server);
    await using p = new Proxy("svc", { connectedSocket: client });
    assert.equal(String(p._pyroUri), "PYRO:svc@<<connected-socket>>:0");
    assert.equal(await p.echo("hi"), "hi");
    assert.equal(daemon.seen[0].type, MsgType.INVOKE, "no CONNECT on a connected socket");
    assert.equal(serpent.loadsCall(daemon.seen[0].payload).method, "get_metadata");
  });

  it("never sends a remote call named then, and keeps symbols, toJSON and inspection local", async () => {
    const transport = memoryTransport();
    const listener = await transport.listen({ path: "d" });
    const p = new Proxy("PYRO:svc@./u:d", { transport });
    const accepted = listener.accept();
    assert.equal((p as unknown as { then?: unknown }).then, undefined);
    assert.equal(await Promise.resolve(p), p); // awaiting the proxy is not a call
    assert.equal(p.toJSON, undefined);
    assert.equal(typeof p[Symbol.asyncDispose], "function");
    assert.ok(String(p).startsWith("<Pyro5 Proxy PYRO:svc@./u:d"));
    assert.ok(p instanceof ProxyCore);
    const daemon = scriptedDaemon(
      (await Promise.race([accepted, p._pyroBind().then(() => accepted)]))!,
    );
    assert.equal(await p.value, 42);
    assert.equal(await p.echo(1), 1);
    await p._pyroRelease();
    await daemon.done;
    const names = daemon.seen.filter((m) => m.type === MsgType.INVOKE).map((m) =>
      serpent.loadsCall(m.payload).method
    );
    assert.deepEqual(names, ["__getattr__", "echo"]);
    await listener.close();
  });

  it("hands a late reply to nobody once its caller timed out", async () => {
    const [client, server] = memoryPair();
    scriptedDaemon(server);
    await using p = new Proxy("svc", { connectedSocket: client });
    await assert.rejects(p.slow(callOptions({ timeout: 0.05 })), TimeoutError);
    // The held reply to slow() is sent right after this echo's reply: it must be dropped.
    assert.equal(await p.echo("mine"), "mine");
    assert.equal(await p.echo("again"), "again");
  });

  it("sends oneway calls with the ONEWAY flag and waits for nothing", async () => {
    const [client, server] = memoryPair();
    const daemon = scriptedDaemon(server);
    await using p = new Proxy("svc", { connectedSocket: client });
    await p._pyroBind();
    assert.equal(await p._pyroInvoke("fire", [1], {}), undefined);
    assert.equal(await p.echo(2), 2);
    const fire = daemon.seen.find((m) =>
      m.type === MsgType.INVOKE && serpent.loadsCall(m.payload).method === "fire"
    )!;
    assert.equal(fire.flags & Flags.ONEWAY, Flags.ONEWAY);
  });

  it("fails all waiting calls when the connection breaks with garbage", async () => {
    const [client, server] = memoryPair();
    await using p = new Proxy("svc", { connectedSocket: client });
    const reader = new MessageReader(server.readable);
    const call = p.echo(1);
    const m = (await reader.read())!; // get_metadata
    await server.write(
      encodeMessage({
        type: MsgType.RESULT,
        serializerId: 1,
        seq: m.seq,
        payload: serpent.dumps(META),
      }),
    );
    await reader.read(); // echo
    await server.write(new TextEncoder().encode("GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE!"));
    await assert.rejects(call, ProtocolError);
  });
});
