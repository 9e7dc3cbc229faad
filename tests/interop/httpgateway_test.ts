// The HTTP gateway side by side with Python Pyro5's own (`python -m Pyro5.utils.httpgateway`),
// both in front of the same Python name server and Python echo server: the same requests to
// both give the same status, status text, headers and JSON body, except where ours is better
// on purpose (checked below for its documented values).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type OurGateway, type PythonStack, startPythonStack } from "../fixtures/gateway_stack.ts";
import { defaultTransport } from "../../transport/select.ts";
import type { Connection, Transport } from "../../transport/types.ts";
import { Daemon, expose } from "../../server.ts";
import { NameServerProxy } from "../../naming.ts";

/** Says which server it is: the moved-location test tells them apart by it. */
class Where {
  #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  where(): string {
    return this.#name;
  }
}
expose(Where);

interface Probe {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

/** POSTs `body` as `contentType` to `path`. */
function post(base: string, path: string, contentType: string, body: string): Promise<Answer> {
  return send(base, { method: "POST", path, headers: { "Content-Type": contentType }, body });
}

async function send(base: string, probe: Probe): Promise<Answer> {
  const response = await fetch(base + probe.path, {
    method: probe.method ?? "GET",
    headers: probe.headers,
    body: probe.body,
    redirect: "manual",
  });
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    text: await response.text(),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The headers both send with the same value. Ours adds the X-Pyro-* request headers to
// Allow-Headers and sends Expose-Headers (see the README), so those two are checked apart.
const SAME_HEADERS = [
  "content-type",
  "location",
  "access-control-allow-origin",
  "access-control-allow-methods",
];

function body(answer: Answer): unknown {
  if (!answer.headers.get("content-type")?.startsWith("application/json")) return answer.text;
  if (answer.text === "") return "";
  // Python's json reads NaN and Infinity; so does this.
  return JSON.parse(answer.text.replace(/\bNaN\b/g, '"NaN"').replace(/\bInfinity\b/g, '"Inf"'));
}

function assertSame(python: Answer, ours: Answer, what: string, meta = false): void {
  assert.equal(ours.status, python.status, `${what}: status`);
  assert.equal(ours.statusText, python.statusText, `${what}: status text`);
  for (const name of SAME_HEADERS) {
    assert.equal(ours.headers.get(name), python.headers.get(name), `${what}: header ${name}`);
  }
  if (python.headers.has("access-control-allow-headers")) {
    const allowed = ours.headers.get("access-control-allow-headers")!.split(", ");
    for (const h of python.headers.get("access-control-allow-headers")!.split(", ")) {
      assert.ok(allowed.includes(h), `${what}: Allow-Headers keeps ${h}`);
    }
  }
  const pid = python.headers.get("x-pyro-correlation-id");
  if (pid) assert.match(ours.headers.get("x-pyro-correlation-id") ?? "", UUID, `${what}: id`);
  let pb = body(python) as Record<string, string[]>;
  let ob = body(ours) as Record<string, string[]>;
  if (meta) {
    // Python's gateway lists a Python set: its order differs from process to process.
    pb = { methods: [...pb.methods].sort(), attributes: [...pb.attributes].sort() };
    ob = { methods: [...ob.methods].sort(), attributes: [...ob.attributes].sort() };
  }
  assert.deepEqual(ob, pb, `${what}: body`);
}

describe("HTTP gateway against Python's gateway", () => {
  let stack: PythonStack;
  let python: string;
  let pythonKeyed: string;
  let ours: OurGateway;
  let oursKeyed: OurGateway;

  before(async () => {
    stack = await startPythonStack();
    [python, pythonKeyed, ours, oursKeyed] = await Promise.all([
      stack.pythonGateway(["-e", "Pyro.|test."]),
      stack.pythonGateway(["-e", "test.", "-g", "secret"]),
      stack.ourGateway({ expose: "Pyro.|test.", cors: "*" }),
      stack.ourGateway({ expose: "test.", cors: "*", gatewayKey: "secret" }),
    ]);
  });
  after(async () => {
    await stack?.stop();
  });

  const same: Array<[string, Probe]> = [
    ["root redirects", { path: "/" }],
    ["/pyro without slash", { path: "/pyro" }],
    ["malformed path", { path: "/pyro/x" }],
    ["outside /pyro/", { path: "/other/x" }],
    ["PUT", { method: "PUT", path: "/pyro/test.echoserver/echo" }],
    ["DELETE outside /pyro/", { method: "DELETE", path: "/elsewhere" }],
    ["OPTIONS", { method: "OPTIONS", path: "/pyro/test.echoserver/echo" }],
    ["echo", { path: "/pyro/test.echoserver/echo?message=hello%20world" }],
    ["unicode", { path: "/pyro/test.echoserver/echo?message=%C3%A9%E2%82%AC%F0%9F%98%80" }],
    ["repeated key as list", { path: "/pyro/test.echoserver/echo?message=a&message=b&message=c" }],
    ["blank value dropped", { path: "/pyro/test.echoserver/echo?message=" }],
    ["plus as space", { path: "/pyro/test.echoserver/echo?message=a+b" }],
    ["unknown keyword", { path: "/pyro/test.echoserver/echo?foo=1" }],
    ["remote error", { path: "/pyro/test.echoserver/error" }],
    ["remote error with text", { path: "/pyro/test.echoserver/error_with_text" }],
    ["attribute", { path: "/pyro/test.echoserver/verbose" }],
    ["attribute with params", { path: "/pyro/test.echoserver/verbose?x=1" }],
    ["no such method", { path: "/pyro/test.echoserver/nosuch" }],
    ["NaN", { path: "/pyro/test.echoserver/nan" }],
    ["Infinity", { path: "/pyro/test.echoserver/inf" }],
    ["not exposed", { path: "/pyro/other.thing/echo" }],
    ["name with slashes, not exposed", { path: "/pyro/a/b/c" }],
    ["name server list", { path: "/pyro/Pyro.NameServer/list" }],
    ["name server list prefix", { path: "/pyro/Pyro.NameServer/list?prefix=test." }],
    ["name server lookup", { path: "/pyro/Pyro.NameServer/lookup?name=test.echoserver" }],
    ["oneway header", {
      path: "/pyro/test.echoserver/echo?message=x",
      headers: { "X-Pyro-Options": "oneway" },
    }],
    ["oneway method", { path: "/pyro/test.echoserver/oneway_echo?message=x" }],
    ["invalid correlation id", {
      path: "/pyro/test.echoserver/echo?message=x",
      headers: { "X-Pyro-Correlation-Id": "bogus" },
    }],
    ["$key without a gateway key", { path: "/pyro/test.echoserver/echo?message=x&$key=abc" }],
    ["POST with query", { method: "POST", path: "/pyro/test.echoserver/echo?message=q" }],
  ];
  for (const [what, probe] of same) {
    it(`same answer: ${what}`, async () => {
      assertSame(await send(python, probe), await send(ours.url, probe), what);
    });
  }

  it("same answer: $meta (as sets)", async () => {
    for (const path of ["/pyro/test.echoserver/$meta", "/pyro/test.echoserver/%24meta"]) {
      assertSame(await send(python, { path }), await send(ours.url, { path }), path, true);
    }
  });

  it("same answer: a given correlation id is returned, in canonical form", async () => {
    for (const id of ["11112222-1111-2222-3333-222244449999", "1111222211112222333322224444999A"]) {
      const probe = {
        path: "/pyro/test.echoserver/echo?message=x",
        headers: { "X-Pyro-Correlation-Id": id },
      };
      const [p, o] = [await send(python, probe), await send(ours.url, probe)];
      assertSame(p, o, id);
      assert.equal(o.headers.get("x-pyro-correlation-id"), p.headers.get("x-pyro-correlation-id"));
    }
  });

  const keyed: Array<[string, Probe]> = [
    ["no key", { path: "/pyro/test.echoserver/echo?message=x" }],
    ["wrong key", {
      path: "/pyro/test.echoserver/echo?message=x",
      headers: { "X-Pyro-Gateway-Key": "wrong" },
    }],
    ["key header", {
      path: "/pyro/test.echoserver/echo?message=x",
      headers: { "X-Pyro-Gateway-Key": "secret" },
    }],
    ["$key parameter, removed before the call", {
      path: "/pyro/test.echoserver/echo?message=x&$key=secret",
    }],
    ["wrong $key", { path: "/pyro/test.echoserver/echo?message=x&$key=nope" }],
    ["key right, object not exposed", {
      path: "/pyro/Pyro.NameServer/list",
      headers: { "X-Pyro-Gateway-Key": "secret" },
    }],
  ];
  for (const [what, probe] of keyed) {
    it(`same answer with a gateway key: ${what}`, async () => {
      assertSame(await send(pythonKeyed, probe), await send(oursKeyed.url, probe), what);
    });
  }

  // Better than Python's, on purpose.

  it("better: a generator's items come back as a JSON array (Python: text 500)", async () => {
    const probe = { path: "/pyro/test.echoserver/generator" };
    const p = await send(python, probe);
    assert.equal(p.status, 500);
    assert.equal(p.headers.get("content-type"), "text/plain");
    const o = await send(ours.url, probe);
    assert.equal(o.status, 200);
    assert.equal(o.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(o.text, '["one", "two", "three"]');
  });

  it("better: an unknown name is 404 with the name server's NamingError (Python: 500)", async () => {
    const probe = { path: "/pyro/test.nothere/echo" };
    const [p, o] = [await send(python, probe), await send(ours.url, probe)];
    assert.equal(p.status, 500);
    assert.equal(o.status, 404);
    assert.equal(o.statusText, "Not Found");
    assert.equal(o.headers.get("content-type"), p.headers.get("content-type"));
    assert.deepEqual(body(o), body(p));
    assert.equal((body(o) as Record<string, unknown>).__class__, "Pyro5.errors.NamingError");
  });

  it("better: a JSON POST body gives typed keyword arguments", async () => {
    const message = { n: 1, f: 2.5, list: [1, "two", null], nested: { ok: true } };
    const o = await post(
      ours.url,
      "/pyro/test.echoserver/echo",
      "application/json",
      JSON.stringify({ message }),
    );
    assert.equal(o.status, 200);
    assert.deepEqual(JSON.parse(o.text), message);
  });

  it("better: a form POST body gives keyword arguments, body over query", async () => {
    const o = await post(
      ours.url,
      "/pyro/test.echoserver/echo?message=query",
      "application/x-www-form-urlencoded",
      "message=from+the+form",
    );
    assert.equal(o.status, 200);
    assert.equal(o.text, '"from the form"');
  });

  it("better: a JSON body that is not an object is a 400 ValueError", async () => {
    const o = await post(ours.url, "/pyro/test.echoserver/echo", "application/json", "[1, 2]");
    assert.equal(o.status, 400);
    assert.equal((JSON.parse(o.text) as Record<string, unknown>).__class__, "builtins.ValueError");
  });

  it("better: CORS allows the X-Pyro-* headers and exposes the correlation id", async () => {
    const o = await send(ours.url, { method: "OPTIONS", path: "/pyro/test.echoserver/echo" });
    assert.equal(o.status, 200);
    assert.equal(
      o.headers.get("access-control-allow-headers"),
      "Content-Type, X-Pyro-Options, X-Pyro-Gateway-Key, X-Pyro-Correlation-Id",
    );
    assert.equal(o.headers.get("access-control-expose-headers"), "X-Pyro-Correlation-Id");
  });

  it("better: a remote error answer carries its correlation id", async () => {
    const id = "01234567-89ab-cdef-0123-456789abcdef";
    const probe = { path: "/pyro/test.echoserver/error", headers: { "X-Pyro-Correlation-Id": id } };
    const [p, o] = [await send(python, probe), await send(ours.url, probe)];
    assert.equal(p.headers.get("x-pyro-correlation-id"), null);
    assert.equal(o.headers.get("x-pyro-correlation-id"), id);
  });

  it("better: the gateway key protects the index page too", async () => {
    const p = await send(pythonKeyed, { path: "/pyro/" });
    assert.equal(p.status, 200);
    assert.match(p.text, /test\.echoserver/);
    const o = await send(oursKeyed.url, { path: "/pyro/" });
    assert.equal(o.status, 403);
    assert.equal(o.text, "403 Forbidden - incorrect gateway api key");
    const withKey = await send(oursKeyed.url, { path: "/pyro/?$key=secret" });
    assert.equal(withKey.status, 200);
    assert.equal(withKey.headers.get("content-type"), "text/html");
    assert.match(withKey.text, /test\.echoserver/);
  });

  it("better: the index page lists every exposed name with its methods", async () => {
    const o = await send(ours.url, { path: "/pyro/" });
    assert.equal(o.status, 200);
    for (const m of ["echo", "error", "generator", "slow", "oneway_echo"]) {
      assert.match(o.text, new RegExp(`data-object="test\\.echoserver" data-method="${m}"`));
    }
    assert.match(o.text, /data-name="Pyro\.NameServer"/);
    assert.doesNotMatch(o.text, /<img|src="http/);
  });

  it("better: a slow call does not hold up a fast one", async () => {
    // Python's echo server serves one call at a time: a daemon of ours serves these two.
    await stack.timing();
    assert.equal((await send(ours.url, { path: "/pyro/test.timing/fast" })).text, '"fast"');
    let slowDone = false;
    const slow = send(ours.url, { path: "/pyro/test.timing/slow" }).then((a) => {
      slowDone = true;
      return a;
    });
    const fast = await send(ours.url, { path: "/pyro/test.timing/fast" });
    assert.equal(fast.text, '"fast"');
    assert.equal(slowDone, false, "the fast call answered while the slow one was running");
    assert.equal((await slow).text, '"slow"');
  });

  it("better: lookups are cached for lookupCacheTtl seconds; with 0, not at all", async () => {
    const cached = await stack.ourGateway({ expose: "Pyro.|test.", lookupCacheTtl: 3600 });
    const uncached = await stack.ourGateway({ expose: "Pyro.|test.", lookupCacheTtl: 0 });
    const register = `/pyro/Pyro.NameServer/register?name=test.alias&uri=${
      encodeURIComponent(stack.echoUri)
    }`;
    assert.equal((await send(ours.url, { path: register })).status, 200);
    const alias = { path: "/pyro/test.alias/echo?message=via+alias" };
    assert.equal((await send(cached.url, alias)).text, '"via alias"');
    assert.equal((await send(uncached.url, alias)).text, '"via alias"');
    assert.equal(
      (await send(ours.url, { path: "/pyro/Pyro.NameServer/remove?name=test.alias" })).text,
      "1",
    );
    assert.equal((await send(cached.url, alias)).status, 200, "cached: still found");
    assert.equal((await send(uncached.url, alias)).status, 404, "not cached: gone");
    await cached.close();
    await uncached.close();
  });

  it("better: a cached location whose daemon is gone is forgotten, and the name looked up again", async () => {
    const gw = await stack.ourGateway({ expose: "test.", lookupCacheTtl: 3600 });
    const ns = new NameServerProxy(stack.nsUri);
    const serveAs = async (name: string) => {
      const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
      await ns.register("test.moving", daemon.register(new Where(name), "test.moving"));
      const loop = daemon.requestLoop();
      return async () => {
        await daemon.close();
        await loop;
      };
    };
    const where = { path: "/pyro/test.moving/where" };
    const stopFirst = await serveAs("first");
    let stopSecond = () => Promise.resolve();
    try {
      assert.equal((await send(gw.url, where)).text, '"first"');
      await stopFirst(); // a restarted server: the old location refuses, the name has a new one
      stopSecond = await serveAs("second");
      assert.equal((await send(gw.url, where)).text, '"second"');
    } finally {
      await ns.remove("test.moving");
      await ns.proxy._pyroRelease();
      await stopFirst();
      await stopSecond();
      await gw.close();
    }
  });

  it("better: connections are reused, and replaced when they were closed", async () => {
    const real = await defaultTransport();
    const opened: Connection[] = [];
    const counting = {
      name: real.name,
      connect: async (...args: Parameters<Transport["connect"]>) => {
        const c = await real.connect(...args);
        opened.push(c);
        return c;
      },
    } as unknown as Transport;
    // Every request looks up (no cache), so the name server's connection is reused and replaced too.
    const gw = await stack.ourGateway({ expose: "test.", transport: counting, lookupCacheTtl: 0 });
    for (let i = 0; i < 10; i++) {
      const a = await send(gw.url, { path: `/pyro/test.echoserver/echo?message=${i}` });
      assert.equal(a.text, `"${i}"`);
    }
    assert.equal(opened.length, 2, "one connection to the name server, one to the echo server");
    // The peers drop the connections (as a restarted daemon would): the next request reconnects.
    await Promise.all(opened.map((c) => c.close()));
    const again = await send(gw.url, { path: "/pyro/test.echoserver/echo?message=again" });
    assert.equal(again.status, 200);
    assert.equal(again.text, '"again"');
    assert.equal(opened.length, 4);
    await gw.close();
  });
});
