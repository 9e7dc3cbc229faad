// webSocketTransport outside the browser: a Proxy on this runtime (Deno, Bun or Node 24, each
// with its own WebSocket client) reaches real Python Pyro5 daemons through our bridge, served
// by this runtime's server (Deno.upgradeWebSocket, Bun's upgrade, our RFC 6455 server on
// node:http). Everything a proxy does goes through it, with every serializer.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchProxy, callOptions, kwargs, Proxy } from "../../client.ts";
import {
  CommunicationError,
  ConnectionClosedError,
  getPyroTraceback,
  NamingError,
  RemoteError,
  SecurityError,
  TimeoutError,
} from "../../errors.ts";
import { webSocketTransport } from "../../transport/websocket.ts";
import { type PythonServer, startPythonServer } from "../fixtures/python.ts";
import { type OurGateway, type PythonStack, startPythonStack } from "../fixtures/gateway_stack.ts";
import { until } from "../helpers.ts";

const SERIALIZERS = ["serpent", "marshal", "json", "msgpack"] as const;

describe("webSocketTransport through the bridge to Python daemons", () => {
  let stack: PythonStack;
  let daemon: PythonServer;
  let gateway: OurGateway;
  let uri: string;
  let bridgeUrl: string;
  const transport = () => webSocketTransport(bridgeUrl, { key: "s3cret" });

  before(async () => {
    stack = await startPythonStack();
    daemon = await startPythonServer("test_daemon.py", ["--servertype", "thread"]);
    uri = daemon.announced;
    const location = uri.slice(uri.indexOf("@") + 1);
    gateway = await stack.ourGateway({
      expose: "test\\.",
      gatewayKey: "s3cret",
      webSocket: { allow: [location] },
    });
    bridgeUrl = `${gateway.url.replace("http:", "ws:")}/pyro/ws`;
  });
  after(async () => {
    await daemon?.stop();
    await stack?.stop();
  });

  for (const serializer of SERIALIZERS) {
    describe(serializer, () => {
      it("calls, reads attributes, streams, and raises remote errors", async () => {
        await using p = new Proxy(uri, { serializer, transport: transport() });
        assert.equal(await p.echo("hello"), "hello");
        assert.equal(await p.add(1, kwargs({ b: 41 })), 42);
        assert.deepEqual(await p.echo([1, "two", null, { a: [3.5] }]), [1, "two", null, {
          a: [3.5],
        }]);
        assert.equal(await p.value, 7);
        const items: unknown[] = [];
        for await (const item of await p.gen(4)) items.push(item);
        assert.deepEqual(items, ["item-0", "item-1", "item-2", "item-3"]);
        const e = await p.fail().catch((x: unknown) => x) as RemoteError;
        assert.ok(e instanceof RemoteError);
        assert.equal(e.pythonClass, "builtins.ValueError");
        assert.match(getPyroTraceback(e), /This exception occurred remotely[\s\S]*boom/);
        assert.equal(await p.echo("after"), "after");
      });

      it("sends batches and oneway calls", async () => {
        await using p = new Proxy(uri, { serializer, transport: transport() });
        const batch = new BatchProxy(p);
        batch.echo("a");
        batch.add(1, kwargs({ b: 2 }));
        assert.deepEqual([...(await batch())!], ["a", 3]);
        await p.clear_fired();
        assert.equal(await p.fire("one"), undefined);
        assert.deepEqual(await p.fired(1), ["one"]);
      });

      it("passes correlation ids and annotations", async () => {
        await using p = new Proxy(uri, { serializer, transport: transport() });
        // Per call here; the context's own ids and annotations travel the same way.
        const id = "11112222-3333-4444-5555-666677778888";
        const XTRA = new Uint8Array([0x68, 0x69]);
        assert.equal(await p.correlation(callOptions({ correlationId: id })), id);
        assert.equal(p._pyroLastReply.correlationId, id);
        assert.deepEqual(await p.annotated(callOptions({ annotations: { XTRA } })), {
          XTRA: "6869",
        });
        assert.equal(new TextDecoder().decode(p._pyroLastReply.annotations.RESP), "ok");
      });
    });
  }

  it("pipelines 200 concurrent calls on one proxy", async () => {
    await using p = new Proxy(uri, { serializer: "msgpack", transport: transport() });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => p.add(i, 1000)));
    assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i + 1000));
  });

  it("carries a 5 MB value both ways", async () => {
    await using p = new Proxy(uri, { serializer: "msgpack", transport: transport() });
    const big = new Uint8Array(5 << 20).map((_, i) => i * 7);
    assert.deepEqual(await p.echo(big), big);
  });

  it("times out a slow call and aborts another", async () => {
    await using p = new Proxy(uri, { transport: transport() });
    p._pyroTimeout = 0.3;
    await assert.rejects(p.slow(1.0, "late"), TimeoutError);
    p._pyroTimeout = null;
    assert.equal(await p.echo("next"), "next");
    const controller = new AbortController();
    const call = p.slow(0.5, "x", callOptions({ signal: controller.signal }));
    controller.abort();
    await assert.rejects(call, (e: Error) => e.name === "AbortError");
    assert.equal(await p.echo(5), 5);
  });

  it("resolves PYRONAME through the bridge's name server", async () => {
    await using echo = new Proxy("PYRONAME:test.echoserver", { transport: transport() });
    assert.equal(await echo.echo("by name"), "by name");
    const items: unknown[] = [];
    for await (const item of await echo.generator()) items.push(item);
    assert.deepEqual(items, ["one", "two", "three"]);
  });

  it("refuses names outside the expose pattern, unknown names, and other locations", async () => {
    await using ns = new Proxy("PYRONAME:Pyro.NameServer", { transport: transport() });
    await assert.rejects(ns.list(), (e: Error) => e instanceof SecurityError);
    await using unknown = new Proxy("PYRONAME:test.nothing", { transport: transport() });
    await assert.rejects(unknown.ping(), NamingError);
    // The name server's own location is neither allowed nor the home of an exposed name.
    await using direct = new Proxy(stack.nsUri, { transport: transport() });
    await assert.rejects(
      direct.list(),
      (e: Error) => e instanceof CommunicationError && e.cause instanceof SecurityError,
    );
  });

  it("refuses a wrong key", async () => {
    const wrong = webSocketTransport(bridgeUrl, { key: "wrong" });
    await using p = new Proxy(uri, { transport: wrong });
    await assert.rejects(
      p.echo(1),
      (e: Error) => e instanceof CommunicationError && /incorrect gateway key/.test(e.message),
    );
  });

  it("a daemon that dies ends the call with ConnectionClosedError; the bridge lets go", async () => {
    const doomed = await startPythonServer("test_daemon.py", ["--servertype", "thread"]);
    try {
      const location = doomed.announced.slice(doomed.announced.indexOf("@") + 1);
      const own = await stack.ourGateway({
        expose: "test\\.",
        webSocket: { allow: [location] },
      });
      const ws = webSocketTransport(`${own.url.replace("http:", "ws:")}/pyro/ws`);
      await using p = new Proxy(doomed.announced, { transport: ws });
      assert.equal(await p.echo(1), 1);
      await assert.rejects(p.exit_now(), ConnectionClosedError);
      await until(() => own.gateway.webSocket!.openSockets === 0);
      assert.equal(own.gateway.webSocket!.openDaemonConnections, 0);
    } finally {
      await doomed.stop();
    }
  });
});
