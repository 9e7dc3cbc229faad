// Item 1 of the hardening: a connection that fails while it is being accepted (reset before the
// accept, descriptors exhausted) never ends the daemon's accept loop, nor the broadcast responder.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as dgram from "node:dgram";
import type * as net from "node:net";
import { Proxy } from "../../client.ts";
import { Daemon, expose } from "../../server.ts";
import { startNS } from "../../naming.ts";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { rawConnect, servesNewClient, startChildDaemon, within } from "../hardening.ts";
import { broadcastingNS } from "../helpers.ts";

class Echo {
  echo(x: unknown) {
    return x;
  }
}
expose(Echo);

/**
 * Resets `count` connections to the port with SO_LINGER 0 while this process's event loop is
 * blocked (execFileSync), so that each is reset before the daemon accepts it.
 */
function resetBeforeAccept(port: number, count: number): number {
  const out = execFileSync(
    pythonPath(),
    [`${ROOT}tests/fixtures/reset_connect.py`, "127.0.0.1", String(port), String(count)],
    { encoding: "utf8", timeout: 60_000 },
  );
  return Number(out.trim());
}

describe("accept errors", () => {
  it("a connection reset before the daemon accepts it does not end the accept loop", async () => {
    await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    const uri = daemon.register(Echo, "echo");
    await using held = new Proxy(uri);
    assert.equal(await held.echo(1), 1);
    for (let round = 0; round < 3; round++) {
      assert.equal(resetBeforeAccept(uri.port!, 40), 40);
      // A client connected before keeps being served while the resets are accepted...
      assert.equal(await within(held.echo(round) as Promise<unknown>, 2000, "held client"), round);
      // ...and new clients still get in.
      await servesNewClient(String(uri));
    }
  });

  it("the name server survives resets before accept", async () => {
    const ns = await startNS({ host: "127.0.0.1", port: 0, enableBroadcast: false });
    try {
      assert.equal(resetBeforeAccept(ns.uri.port!, 40), 40);
      await using p = new Proxy(ns.uri);
      assert.equal(await within(p.ping() as Promise<unknown>, 5000, "name server"), null);
    } finally {
      await ns.close();
    }
  });

  it("keeps accepting after descriptors ran out (EMFILE), serving held clients meanwhile", async () => {
    const child = await startChildDaemon({}, { maxFiles: 128 });
    const raw: net.Socket[] = [];
    try {
      await using held = new Proxy(child.uri);
      assert.equal(await held.echo("before"), "before");
      // Far more connections than the child has descriptors: its accepts fail with EMFILE.
      for (let i = 0; i < 200; i++) {
        raw.push(await within(rawConnect(child.port), 5000, "raw connect"));
      }
      assert.equal(await within(held.echo("during") as Promise<unknown>, 2000, "held"), "during");
      for (const s of raw.splice(0)) s.destroy();
      // Descriptors come back; the accept loop is still there and new clients get in.
      for (let i = 0;; i++) {
        try {
          await servesNewClient(child.uri, 2000);
          break;
        } catch (e) {
          if (i >= 20) throw e;
        }
      }
      assert.equal(await held.echo("after"), "after");
    } finally {
      for (const s of raw) s.destroy();
      await child.close();
    }
  });

  it("the broadcast responder keeps answering after junk and failed sends", async () => {
    const ns = await broadcastingNS(0);
    try {
      const bc = ns.broadcast!.address;
      const socket = dgram.createSocket("udp4");
      await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
      try {
        const answer = new Promise<string>((resolve) =>
          socket.once("message", (m) => resolve(String(m)))
        );
        // Junk, an empty datagram, and a request whose answer goes to a port nobody has.
        // (No send callbacks awaited: Bun calls none for an empty datagram.)
        for (const junk of ["", "GET_NSUR", "\u0000\u00ff".repeat(100)]) {
          socket.send(junk, bc.port, bc.hostname);
        }
        const gone = dgram.createSocket("udp4");
        await new Promise<void>((r) => gone.bind(0, "127.0.0.1", () => r()));
        await new Promise<void>((r) => gone.send("GET_NSURI", bc.port, bc.hostname, () => r()));
        await new Promise<void>((r) => gone.close(() => r()));
        socket.send("GET_NSURI", bc.port, bc.hostname);
        assert.equal(await within(answer, 5000, "broadcast answer"), String(ns.uri));
      } finally {
        socket.close();
      }
    } finally {
      await ns.close();
    }
  });
});
