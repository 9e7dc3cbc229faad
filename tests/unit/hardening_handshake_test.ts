// Item 5 of the hardening: connections that never complete a handshake are closed after
// HANDSHAKE_TIMEOUT, and MAX_CONNECTIONS refuses further connections with CONNECTFAIL.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import type * as net from "node:net";
import { Proxy } from "../../client.ts";
import { defaultConfig } from "../../config.ts";
import { CommunicationError } from "../../errors.ts";
import { expose } from "../../server.ts";
import { pythonPath } from "../fixtures/python.ts";
import { rawConnect, servesNewClient, within } from "../hardening.ts";
import { loopbackDaemon } from "../helpers.ts";

class Echo {
  echo(x: unknown) {
    return x;
  }
}
expose(Echo);

const closedBy = (s: net.Socket) => new Promise<void>((r) => s.once("close", () => r()));

describe("handshake timeout", () => {
  it("defaults to a few seconds", () => {
    assert.equal(defaultConfig().HANDSHAKE_TIMEOUT, 5);
    assert.equal(defaultConfig().MAX_CONNECTIONS, 0);
  });

  it("closes silent and slow (slowloris) connections; the daemon serves others meanwhile", async () => {
    await using daemon = await loopbackDaemon({ HANDSHAKE_TIMEOUT: 0.5 });
    const uri = String(daemon.register(Echo, "echo"));
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 100; i++) sockets.push(await rawConnect(daemon.uriFor("echo").port!));
    const closed = sockets.map(closedBy);
    // Half of them trickle a header one byte at a time, never finishing it.
    const trickle = setInterval(() => {
      for (const s of sockets.slice(50)) if (!s.destroyed) s.write("P");
    }, 50);
    try {
      await servesNewClient(uri, 2000);
      await within(Promise.all(closed), 10_000, "handshake timeout");
      // A handshaken client is not affected by the timeout.
      await using p = new Proxy(uri);
      await p.echo(1);
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(await p.echo(2), 2);
    } finally {
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
    }
  });

  it("HANDSHAKE_TIMEOUT 0 waits forever, as Pyro5 does", async () => {
    await using daemon = await loopbackDaemon({ HANDSHAKE_TIMEOUT: 0 });
    daemon.register(Echo, "echo");
    const s = await rawConnect(daemon.uriFor("echo").port!);
    let closed = false;
    s.once("close", () => closed = true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(closed, false);
    s.destroy();
  });
});

describe("connection cap", () => {
  it("refuses connections over MAX_CONNECTIONS with CONNECTFAIL, and takes them again later", async () => {
    await using daemon = await loopbackDaemon({ MAX_CONNECTIONS: 3 });
    const uri = String(daemon.register(Echo, "echo"));
    const held = [new Proxy(uri), new Proxy(uri), new Proxy(uri)];
    for (const p of held) assert.equal(await p.echo("in"), "in");
    const over = new Proxy(uri);
    await assert.rejects(over.echo(1) as Promise<unknown>, (e: unknown) => {
      assert.ok(e instanceof CommunicationError, String(e));
      assert.match(String(e), /too many connections: the daemon serves at most 3/);
      return true;
    });
    await over._pyroRelease();
    // Python Pyro5 clients get the reason too.
    const python = await new Promise<string>((resolve) =>
      execFile(pythonPath(), [
        "-c",
        "import sys, Pyro5.api\ntry:\n  Pyro5.api.Proxy(sys.argv[1]).echo(1)\n" +
        "except Exception as e:\n  print(type(e).__name__, e)",
        uri,
      ], (_e, out) => resolve(out))
    );
    assert.match(python, /CommunicationError .*too many connections/);
    // Held clients are still served; once one goes, a new one gets in.
    for (const p of held) assert.equal(await p.echo("still"), "still");
    await held.pop()!._pyroRelease();
    for (let i = 0;; i++) {
      try {
        await servesNewClient(uri, 2000);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    for (const p of held) await p._pyroRelease();
  });
});
