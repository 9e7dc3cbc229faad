// Behaviour that Pyro5 programs rely on, side by side with real Python Pyro5: Python callers'
// keyword arguments (directly and through Pyro5's own HTTP gateway), exposure rules, received
// proxy states, clientDisconnect, and how our proxy recovers after errors and timeouts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";
import { callOptions, Proxy } from "../../client.ts";
import { type ClientConnection, Daemon } from "../../server.ts";
import { startNS } from "../../naming.ts";
import { SerializeError, TimeoutError } from "../../errors.ts";
import { EchoServer } from "../../cli/echoserver.ts";
import {
  pythonPath,
  type PythonServer,
  ROOT,
  startPythonServer,
  withPythonServer,
} from "../fixtures/python.ts";
import { registerAll } from "../fixtures/ts_service.ts";
import { freePort } from "../helpers.ts";

function py(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      pythonPath(),
      [`${ROOT}tests/fixtures/py_parity.py`, ...args],
      { timeout: 60000, env: { ...process.env, ...env } },
      (e, out, err) => e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out),
    )
  );
}

/** Opens a TCP connection, writes `bytes` (maybe none), and closes it once the peer answered or after a moment. */
function rawConnection(port: number, bytes: Uint8Array | null): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      if (bytes) socket.write(bytes);
      setTimeout(() => socket.destroy(), 200);
    });
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => resolve());
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("Python callers and our echo server, side by side with Pyro5's", () => {
  let ours: Daemon;
  let theirs: PythonServer;
  before(async () => {
    ours = await Daemon.create({ host: "127.0.0.1", port: 0 });
    ours.register(new EchoServer(), "test.echoserver");
    theirs = await startPythonServer("py_parity.py", ["serve-echo"]);
  });
  after(async () => {
    await theirs.stop();
    await ours.close();
  });

  for (const serializer of ["serpent", "json", "marshal", "msgpack"]) {
    it(`answers every call, keyword arguments and mistakes as Pyro5's does (${serializer})`, async () => {
      const out = JSON.parse(
        await py(["compare", serializer, String(ours.uriFor("test.echoserver")), theirs.announced]),
      );
      assert.ok(out.a.length >= 20, `only ${out.a.length} results`);
      for (let i = 0; i < out.b.length; i++) assert.deepEqual(out.a[i], out.b[i], out.b[i][0]);
      assert.equal(out.a.length, out.b.length);
      // The answers are Pyro5's own, not merely equal to each other.
      const byName = Object.fromEntries(out.a.map((r: unknown[]) => [r[0], r.slice(1)]));
      assert.deepEqual(byName["echo by keyword"], ["ok", "hi"]);
      assert.deepEqual(byName["unexpected keyword"], [
        "TypeError",
        "EchoServer.echo() got an unexpected keyword argument 'msg'",
      ]);
      assert.deepEqual(byName["missing"], [
        "TypeError",
        "EchoServer.echo() missing 1 required positional argument: 'message'",
      ]);
      assert.deepEqual(byName["dunder"], ["ok", "should be allowed (dunder)"]);
      assert.ok(out.a[0][1].includes("__dunder__"), "metadata lists __dunder__");
    });
  }
});

describe("Pyro5's HTTP gateway in front of our name server and echo server", () => {
  let ns: Awaited<ReturnType<typeof startNS>>;
  let ours: Daemon;
  let theirs: PythonServer;
  let gateway: import("node:child_process").ChildProcess;
  let base = "";
  before(async () => {
    ns = await startNS({ host: "127.0.0.1", port: 0, enableBroadcast: false });
    ours = await Daemon.create({ host: "127.0.0.1", port: 0 });
    const uri = ours.register(new EchoServer(), "test.echoserver");
    await using nsProxy = new Proxy(ns.uri);
    await nsProxy.register("http.echo.ts", String(uri));
    theirs = await startPythonServer("py_parity.py", [
      "serve-echo",
      "127.0.0.1",
      String(ns.uri.port),
      "http.echo.py",
    ]);
    gateway = spawn(pythonPath(), ["-m", "Pyro5.utils.httpgateway", "-H", "127.0.0.1", "-p", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: String(ns.uri.port) },
    });
    base = await new Promise<string>((resolve, reject) => {
      createInterface({ input: gateway.stdout! }).on("line", (line) => {
        const m = /running on (http:\/\/[^ ]+)\/pyro\//.exec(line);
        if (m) resolve(m[1]);
      });
      gateway.once("exit", (code) => reject(new Error(`the gateway exited with ${code}`)));
    });
  });
  after(async () => {
    gateway.kill();
    await theirs.stop();
    await ours.close();
    await ns.close();
  });

  const fetchBoth = async (path: string, init?: RequestInit) => {
    const answer = async (name: string) => {
      const r = await fetch(`${base}/pyro/${name}/${path}`, init);
      const text = await r.text();
      let body: unknown = text;
      try {
        // The two daemons' ports differ; nothing else may.
        body = JSON.parse(text.replace(/@127\.0\.0\.1:\d+/g, "@127.0.0.1:PORT"));
      } catch { /* not JSON */ }
      // A traceback names files of its own language; everything else must be equal.
      if (body && typeof body === "object" && "attributes" in body) {
        delete (body as { attributes: Record<string, unknown> }).attributes._pyroTraceback;
      }
      return { status: r.status, type: r.headers.get("content-type"), body };
    };
    return { ts: await answer("http.echo.ts"), py: await answer("http.echo.py") };
  };

  it("gets the same answers for calls with keyword arguments, errors, attributes and $meta", async () => {
    const paths = [
      "echo?message=hello",
      "echo?message=a&message=b",
      "echo?msg=wrong",
      "echo",
      "error",
      "error_with_text",
      "__dunder__",
      "$meta",
      "verbose",
      "generator",
      "_private",
    ];
    for (const path of paths) {
      const { ts, py } = await fetchBoth(path);
      if (path === "$meta") {
        const sorted = (m: { methods: string[]; attributes: string[] }) => ({
          methods: [...m.methods].sort(),
          attributes: [...m.attributes].sort(),
        });
        assert.deepEqual(sorted(ts.body as never), sorted(py.body as never), path);
        assert.equal(ts.status, py.status);
        continue;
      }
      assert.deepEqual(ts, py, path);
    }
    const { ts } = await fetchBoth("echo?message=hello");
    assert.deepEqual([ts.status, ts.body], [200, "hello"]);
    const wrong = (await fetchBoth("echo?msg=wrong")).ts;
    assert.equal(wrong.status, 500);
    assert.deepEqual((wrong.body as { args: unknown }).args, [
      "EchoServer.echo() got an unexpected keyword argument 'msg'",
    ]);
  });

  it("sends oneway calls with their keyword arguments", async () => {
    const { ts, py } = await fetchBoth("oneway_echo?message=x", {
      headers: { "X-Pyro-Options": "oneway" },
    });
    assert.deepEqual(ts, py);
    assert.equal(ts.status, 200);
  });
});

describe("proxies that other Pyro clients send", () => {
  it("accepts Pyrolite's 7-element state and an unknown serializer name, as Python does", async () => {
    await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    registerAll(daemon);
    const [pyrolite, unknown] = JSON.parse(
      await py(["send-proxies", String(daemon.uriFor("test.service"))]),
    );
    assert.deepEqual(pyrolite, {
      isProxy: true,
      uri: "PYRO:remote.thing@localhost:9999",
      methods: ["ask", "tell"],
      oneway: ["tell"],
      attrs: ["size"],
      handshake: "hello from Java",
      serializer: null,
      timeout: 3.5,
      maxRetries: 2,
    });
    assert.equal(unknown.isProxy, true);
    assert.equal(unknown.serializer, null, "an unknown serializer falls back to the default");
    assert.equal(unknown.handshake, "hi");
  });
});

describe("clientDisconnect, counted as Pyro5 counts it", () => {
  it("is called for handshaken connections only, never for garbage or silent ones", async () => {
    let ourCount = 0;
    class Counting extends Daemon {
      override clientDisconnect(_conn: ClientConnection): void {
        ourCount++;
      }
    }
    await using daemon = await Counting.create({ host: "127.0.0.1", port: 0 });
    registerAll(daemon);
    await withPythonServer("py_parity.py", ["serve-disconnects"], async (python) => {
      const theirUri = python.announced;
      const theirPort = Number(theirUri.split(":").at(-1));
      const ourUri = daemon.uriFor("test.service");
      const garbage = new TextEncoder().encode("GET / HTTP/1.0\r\n\r\nnot pyro at all, not at all");
      for (const port of [ourUri.port!, theirPort]) {
        await rawConnection(port, garbage);
        await rawConnection(port, null);
      }
      await using counter = new Proxy(theirUri);
      const before = await counter.disconnects(); // our own connection is still open
      {
        await using p = new Proxy(ourUri);
        assert.equal(await p.echo(1), 1);
      }
      {
        await using p = new Proxy(theirUri.replace("counter@", "Pyro.Daemon@"));
        await p._pyroBind();
      }
      await until("Python's clientDisconnect", async () => await counter.disconnects() === 1);
      await until("our clientDisconnect", () => ourCount === 1);
      assert.equal(before, 0, "Python counts no garbage or silent connection");
      // Nothing more arrives for the garbage connections later.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(ourCount, 1);
      assert.equal(await counter.disconnects(), 1);
    });
  });
});

describe("our proxy after errors, restarts and timeouts, against Python daemons", () => {
  it("calls again after a SerializeError from the daemon (which hangs up)", async () => {
    await withPythonServer("test_daemon.py", ["--host", "127.0.0.1"], async (python) => {
      await using p = new Proxy(python.announced, { serializer: "serpent" });
      assert.equal(await p.echo(1), 1);
      class NobodyKnowsMe {
        x = 1;
      }
      await assert.rejects(p.echo(new NobodyKnowsMe()), SerializeError);
      assert.equal(await p.echo("again"), "again");
      assert.equal(await p.add(1, 2), 3);
    });
  });

  it("connects afresh when the daemon was restarted between two calls", async () => {
    const port = await freePort();
    const args = ["--host", "127.0.0.1", "--port", String(port)];
    let python = await startPythonServer("test_daemon.py", args);
    await using p = new Proxy(python.announced);
    try {
      assert.equal(await p.echo("first"), "first");
      await python.stop();
      python = await startPythonServer("test_daemon.py", args);
      assert.equal(await p.echo("second"), "second");
    } finally {
      await python.stop();
    }
  });

  it("answers the next call at once after a call timed out or was aborted", async () => {
    await withPythonServer("test_daemon.py", ["--host", "127.0.0.1"], async (python) => {
      await using p = new Proxy(python.announced);
      assert.equal(await p.echo(0), 0);
      p._pyroTimeout = 0.3;
      await assert.rejects(p.slow(5, "late"), TimeoutError);
      p._pyroTimeout = null;
      // The slow call still runs in the daemon for almost 5 s: the next call must not wait for it.
      const started = Date.now();
      assert.equal(await p.echo("fast"), "fast");
      assert.ok(Date.now() - started < 3000, "the fast call waited behind the abandoned one");
      const controller = new AbortController();
      const aborted = p.slow(5, "late", callOptions({ signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(aborted);
      const again = Date.now();
      assert.equal(await p.add(2, 3), 5);
      assert.ok(Date.now() - again < 3000, "the call after an abort waited behind it");
    });
  });
});
