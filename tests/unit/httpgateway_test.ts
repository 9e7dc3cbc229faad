// The gateway handler's answers that need no Pyro peer, Python's json.dumps text, and the index
// page's escaping.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createGateway, indexPage, pyJsonDumps } from "../../http/mod.ts";

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
