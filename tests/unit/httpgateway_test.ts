// The gateway handler's answers that need no Pyro peer, Python's json.dumps text, and the index
// page's escaping.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGateway, indexPage, pyJsonDumps } from "../../http/mod.ts";
import { Daemon, expose, memoryTransport } from "../../mod.ts";

describe("pyJsonDumps", () => {
  it("writes what Python's json.dumps writes", () => {
    // Each expected text is Python 3.11's json.dumps of the same value.
    assert.equal(
      pyJsonDumps({ methods: ["a", "b"], attributes: [] }),
      '{"methods": ["a", "b"], "attributes": []}',
    );
    assert.equal(pyJsonDumps('é€😀\n"\\'), '"\\u00e9\\u20ac\\ud83d\\ude00\\n\\"\\\\"');
    assert.equal(
      pyJsonDumps([1, 2.5, true, null, NaN, -Infinity]),
      "[1, 2.5, true, null, NaN, -Infinity]",
    );
    assert.equal(pyJsonDumps(new Map([["k", new Set([1])]])), '{"k": [1]}');
    assert.equal(pyJsonDumps("\u0001\u007f"), '"\\u0001\\u007f"');
  });
});

describe("the gateway without a name server", () => {
  // A name server that nobody listens on: these answers never need one.
  const gateway = createGateway({ nameserver: "PYRO:Pyro.NameServer@127.0.0.1:1", timeout: 2 });
  const get = (path: string, init?: RequestInit) =>
    gateway.fetch(new Request(`http://gw${path}`, init));

  it("redirects / and refuses what is not a call", async () => {
    const root = await get("/");
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/pyro/");
    for (const path of ["/pyro", "/pyro/x", "/else/where"]) {
      const r = await get(path);
      assert.equal(r.status, 404, path);
      assert.equal(await r.text(), "Error 404: Not Found");
    }
    const put = await get("/pyro/http.x/m", { method: "PUT" });
    assert.equal(put.status, 405);
    assert.equal(put.statusText, "Method Not Allowed");
    assert.equal(await put.text(), "Error 405: Method Not Allowed");
    const options = await get("/pyro/http.x/m", { method: "OPTIONS" });
    assert.equal(options.status, 200);
    assert.equal(await options.text(), "200 OK");
    assert.equal(options.headers.get("access-control-allow-origin"), "*");
  });

  it("refuses a name outside the expose pattern with 403", async () => {
    const r = await get("/pyro/secret.thing/m");
    assert.equal(r.status, 403);
    assert.equal(await r.text(), "403 Forbidden - access to the requested object has been denied");
  });

  it("answers a gateway-side failure with 500 and a JSON CommunicationError", async () => {
    const r = await get("/pyro/http.x/m");
    assert.equal(r.status, 500);
    assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
    const body = JSON.parse(await r.text());
    assert.equal(body.__class__, "Pyro5.errors.CommunicationError");
    assert.equal(body.__exception__, true);
  });

  it("answers the index page with 500 text when the name server is gone", async () => {
    const r = await get("/pyro/");
    assert.equal(r.status, 500);
    assert.match(await r.text(), /^Cannot connect to the Pyro name server/);
    await gateway.close();
  });
});

describe("the gateway in front of a daemon of ours (memory transport)", () => {
  it("calls, echoes the correlation id, and answers a reply past the timeout with TimeoutError", async () => {
    const transport = memoryTransport();
    const daemon = await Daemon.create({ transport, host: "127.0.0.1", port: 9999 });
    let release = () => {};
    const uri = daemon.register(
      expose({
        fast: (x?: string) => x ?? "fast",
        // Answers only when released: a reply that comes after the gateway's timeout.
        stuck: () => new Promise<string>((resolve) => release = () => resolve("late")),
      }),
      "http.ours",
    );
    daemon.register(expose({ lookup: (_name: string) => uri }), "Pyro.NameServer");
    const loop = daemon.requestLoop();
    const gateway = createGateway({
      transport,
      nameserver: "PYRO:Pyro.NameServer@127.0.0.1:9999",
      timeout: 0.2,
    });
    const get = (path: string, headers?: Record<string, string>) =>
      gateway.fetch(new Request(`http://gw/pyro/http.ours/${path}`, { headers }));
    try {
      const id = "11112222-3333-4444-5555-666677778888";
      const fast = await get("fast?x=hi", { "X-Pyro-Correlation-Id": id.toUpperCase() });
      assert.equal(fast.status, 200);
      assert.equal(await fast.text(), '"hi"');
      assert.equal(fast.headers.get("x-pyro-correlation-id"), id);
      assert.match((await get("fast")).headers.get("x-pyro-correlation-id")!, /^[0-9a-f-]{36}$/);

      const stuck = await get("stuck");
      assert.equal(stuck.status, 500);
      const error = JSON.parse(await stuck.text());
      assert.equal(error.__class__, "Pyro5.errors.TimeoutError");
      assert.match(error.args[0], /timeout \(0.2s\) waiting for the reply to stuck/);
      // The connection that timed out is dropped; the next call gets another one.
      const after = await get("fast");
      assert.equal(after.status, 200);
      assert.equal(await after.text(), '"fast"');
    } finally {
      release();
      await gateway.close();
      await daemon.close();
      await loop;
    }
  });
});

describe("indexPage", () => {
  it("escapes names and needs no external assets", () => {
    const html = indexPage({
      entries: [{
        name: "x<y>\"'&",
        uri: "PYRO:a@b:1",
        methods: ["m<"],
        attributes: [],
        oneway: [],
      }],
      nameserver: "localhost:9090",
      expose: "",
      keyRequired: false,
    });
    assert.ok(!html.includes("x<y>"));
    assert.ok(html.includes("x&#60;y&#62;&#34;&#39;&#38;"));
    assert.doesNotMatch(html, /\bsrc=|<link|@import|https?:\/\//);
  });
});
