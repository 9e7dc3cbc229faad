// Daemon behaviour around connections: resource tracking and clientDisconnect, a
// connected-socket daemon, stream lifetime and linger, detailed tracebacks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Proxy } from "../../client.ts";
import { type ClientConnection, Daemon, expose } from "../../server.ts";
import { currentContext } from "../../context.ts";
import type { RemoteError } from "../../errors.ts";
import { memoryPair } from "../../transport/mod.ts";
import { loopbackDaemon } from "../helpers.ts";

const events: string[] = [];

class Tracked {
  open(name: string) {
    currentContext.trackResource({ close: () => events.push(`closed ${name}`) });
    return name;
  }
  *numbers() {
    try {
      for (let i = 0;; i++) yield i;
    } finally {
      events.push("generator finished");
    }
  }
  fail() {
    throw new TypeError("detailed");
  }
}
expose(Tracked);

class Watching extends Daemon {
  override clientDisconnect(conn: ClientConnection): void {
    events.push(`disconnect ${conn.address.startsWith("127.0.0.1:") ? "tcp" : conn.address}`);
  }
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(what(), "condition not reached");
};

describe("daemon lifecycle", () => {
  it("closes tracked resources and calls clientDisconnect when a client goes", async () => {
    events.length = 0;
    await using daemon = await Watching.create({ host: "127.0.0.1", port: 0 });
    daemon.register(Tracked, "tracked");
    const p = new Proxy(daemon.uriFor("tracked"));
    assert.equal(await p.open("r1"), "r1");
    await p._pyroRelease();
    await until(() => events.includes("disconnect tcp"));
    assert.deepEqual(events, ["closed r1", "disconnect tcp"]);
  });

  it("serves one client over a connected socket, without a handshake", async () => {
    const [client, server] = memoryPair();
    await using daemon = await Daemon.create({ connectedSocket: server });
    daemon.register(Tracked, "tracked");
    await using p = new Proxy("tracked", { connectedSocket: client });
    assert.equal(await p.open("over a pair"), "over a pair");
  });

  it("drops a stream when its client goes and linger is 0, and ends streams past their lifetime", async () => {
    events.length = 0;
    await using daemon = await loopbackDaemon({ ITER_STREAM_LINGER: 0 });
    daemon.register(Tracked, "tracked");
    const p = new Proxy(daemon.uriFor("tracked"));
    const stream = await p.numbers();
    assert.deepEqual(await stream.next(), { done: false, value: 0 });
    await p._pyroRelease();
    await until(() => events.includes("generator finished"));

    await using aging = await loopbackDaemon({ ITER_STREAM_LIFETIME: 0.05 });
    aging.register(Tracked, "tracked");
    await using q = new Proxy(aging.uriFor("tracked"));
    const old = await q.numbers();
    assert.deepEqual(await old.next(), { done: false, value: 0 });
    await new Promise((r) => setTimeout(r, 120));
    await assert.rejects(old.next(), (e: Error) => e.message === "item stream terminated");
  });

  it("keeps a lingering stream for a client that reconnects", async () => {
    await using daemon = await loopbackDaemon({ ITER_STREAM_LINGER: 30 });
    daemon.register(Tracked, "tracked");
    await using p = new Proxy(daemon.uriFor("tracked"));
    const stream = await p.numbers();
    assert.deepEqual(await stream.next(), { done: false, value: 0 });
    await p._pyroReconnect();
    assert.deepEqual(await stream.next(), { done: false, value: 1 });
    await stream.return();
  });

  it("sends detailed tracebacks with DETAILED_TRACEBACK", async () => {
    await using daemon = await loopbackDaemon({ DETAILED_TRACEBACK: true });
    daemon.register(Tracked, "tracked");
    await using p = new Proxy(daemon.uriFor("tracked"));
    const e = await p.fail().catch((x: unknown) => x) as RemoteError;
    assert.equal(e.pythonClass, "builtins.TypeError");
    const text = e._pyroTraceback!.join("");
    assert.match(text, /^Traceback \(most recent call last\):\n/);
    assert.match(text, /TypeError: detailed\n/);
    assert.match(text, /JavaScript stack:\nTypeError: detailed\n\s+at /);
  });
});
