// The WebSocket bridge under abuse, on this runtime's WebSocket server: a page that disconnects
// mid-call, a daemon that goes away, a flood of WebSockets from one client, oversized and
// unmasked frames, a client that never says hello. After each, the bridge holds no socket and
// no daemon connection, and still serves a well-behaved proxy.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Proxy } from "../../client.ts";
import { ConnectionClosedError } from "../../errors.ts";
import { Daemon, expose } from "../../server.ts";
import { createWebSocketBridge, type WebSocketBridge } from "../../http/ws_bridge.ts";
import type { HttpServer } from "../../http/types.ts";
import { webSocketTransport } from "../../transport/websocket.ts";
import { BridgeCloseCode } from "../../transport/websocket_hello.ts";
import { rawWebSocket } from "../fixtures/raw_websocket.ts";
import { serveBridge } from "../fixtures/bridge_server.ts";
import { until } from "../helpers.ts";

// Calls to `hold` wait until the test lets them go: a call is surely in flight when its page
// or daemon goes away, however loaded the machine.
const held: Array<() => void> = [];
const letGo = () => held.splice(0).forEach((resolve) => resolve());

class Service {
  echo(x: unknown): unknown {
    return x;
  }
  hold(): Promise<string> {
    return new Promise((resolve) => held.push(() => resolve("held")));
  }
}
expose(Service);

const MAX_MESSAGE = 64 * 1024;
const PER_CLIENT = 8;

/** A WebSocket's close code, or 1006 when it failed to open. */
function closeCodeOf(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
}

describe("WebSocket bridge hardening", () => {
  let daemon: Daemon;
  let loop: Promise<void>;
  let uri: string;
  let location: string;
  let bridge: WebSocketBridge;
  let server: HttpServer;
  let url: string;

  before(async () => {
    daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    const registered = daemon.register(Service, "service");
    uri = String(registered);
    location = `127.0.0.1:${registered.port}`;
    loop = daemon.requestLoop();
    bridge = createWebSocketBridge({
      allow: [location],
      maxConnectionsPerClient: PER_CLIENT,
      maxMessageSize: MAX_MESSAGE,
      helloTimeout: 0.5,
    });
    ({ server, url } = await serveBridge(bridge));
  });
  after(async () => {
    letGo();
    await server?.close();
    await bridge?.close();
    await daemon?.close();
    await loop?.catch(() => {});
  });

  /** Nothing is left open, and a proxy through the bridge still works. */
  async function stillServing(): Promise<void> {
    await until(() => bridge.openSockets === 0 && bridge.openDaemonConnections === 0);
    await using p = new Proxy(uri, { transport: webSocketTransport(url) });
    assert.equal(await p.echo("fine"), "fine");
  }

  it("a page that disconnects mid-call lets go of its daemon connection", async () => {
    const raw = await rawWebSocket(server.port, "/pyro/ws");
    raw.send(0x1, new TextEncoder().encode(JSON.stringify({ connect: location })));
    await until(() => bridge.openDaemonConnections === 1);
    raw.destroy(); // no close frame: the TCP connection just goes
    await raw.closed;
    await stillServing();

    // And a proxy whose connection closes while its call runs.
    const p = new Proxy(uri, { transport: webSocketTransport(url) });
    const failed = assert.rejects(p.hold(), ConnectionClosedError);
    await until(() => held.length === 1);
    await p._pyroRelease();
    await failed;
    letGo();
    await stillServing();
  });

  it("a daemon that goes away ends its pages' connections", async () => {
    const other = await Daemon.create({ host: "127.0.0.1", port: 0 });
    const otherUri = other.register(Service, "service");
    const otherLoop = other.requestLoop();
    const own = createWebSocketBridge({ allow: [`127.0.0.1:${otherUri.port}`] });
    const { server: ownServer, url: ownUrl } = await serveBridge(own);
    try {
      const transport = webSocketTransport(ownUrl);
      await using p = new Proxy(otherUri, { transport });
      assert.equal(await p.echo(1), 1);
      const failed = assert.rejects(p.hold(), ConnectionClosedError);
      await until(() => held.length === 1);
      await other.close();
      await otherLoop.catch(() => {});
      await failed;
      await until(() => own.openSockets === 0 && own.openDaemonConnections === 0);
    } finally {
      await ownServer.close();
      await own.close();
    }
    await stillServing();
  });

  it("a flood of WebSockets from one client gets no more than its share", async () => {
    const sockets = Array.from({ length: 5 * PER_CLIENT }, () => new WebSocket(url));
    const closes = sockets.map(closeCodeOf);
    const opened = sockets.map((ws) =>
      new Promise<boolean>((resolve) => {
        ws.addEventListener("open", () => resolve(true));
        ws.addEventListener("close", () => resolve(false));
      })
    );
    const open = (await Promise.all(opened)).filter(Boolean).length;
    assert.ok(bridge.openSockets <= PER_CLIENT, `${bridge.openSockets} open`);
    assert.ok(open >= 1, "none opened");
    for (const ws of sockets) ws.close();
    await Promise.all(closes);
    await stillServing();
  });

  it("an oversized message is refused with 1009", async () => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const code = closeCodeOf(ws);
    await new Promise((resolve) => ws.addEventListener("open", resolve));
    ws.send(JSON.stringify({ connect: location }));
    await new Promise((resolve) => ws.addEventListener("message", resolve, { once: true }));
    ws.send(new Uint8Array(MAX_MESSAGE + 1));
    assert.equal(await code, BridgeCloseCode.TOO_BIG);
    await stillServing();

    // A raw frame whose header claims far more than the limit.
    const raw = await rawWebSocket(server.port, "/pyro/ws");
    raw.send(0x2, new Uint8Array(4 * MAX_MESSAGE));
    assert.equal(await raw.closed, 1009);
    await stillServing();
  });

  it("an unmasked frame, a text message after the hello, and no hello all end the socket", async () => {
    // Node's server (ours) and Bun's refuse an unmasked frame; Deno's accepts it as if masked,
    // and the bridge then refuses bytes where its hello should be: 1002 either way.
    const unmasked = await rawWebSocket(server.port, "/pyro/ws");
    unmasked.send(0x2, new Uint8Array([1, 2, 3]), false);
    assert.equal(await unmasked.closed, 1002);
    await stillServing();

    const chatty = new WebSocket(url);
    const chattyCode = closeCodeOf(chatty);
    await new Promise((resolve) => chatty.addEventListener("open", resolve));
    chatty.send(JSON.stringify({ connect: location }));
    await new Promise((resolve) => chatty.addEventListener("message", resolve, { once: true }));
    chatty.send("more text");
    assert.equal(await chattyCode, BridgeCloseCode.PROTOCOL);

    const silent = new WebSocket(url);
    assert.equal(await closeCodeOf(silent), BridgeCloseCode.HELLO_TIMEOUT);
    await stillServing();
  });
});
