// Real Python Pyro5 clients drive our Daemon, with the daemon running on the
// runtime that runs this test.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Daemon } from "../../server.ts";
import { defaultTransport } from "../../transport/mod.ts";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { HandshakeDaemon, registerAll } from "../fixtures/ts_service.ts";
import "../../client.ts";
import { loopbackDaemon, socketPath } from "../helpers.ts";

/** What a Python Pyro5 proxy for `uri` prints for `echo(message)`. */
function pythonEcho(uri: string, message: string): Promise<string> {
  const script = "import Pyro5.api,sys; print(Pyro5.api.Proxy(sys.argv[1]).echo(sys.argv[2]))";
  return new Promise<string>((resolve, reject) =>
    execFile(
      pythonPath(),
      ["-c", script, uri, message],
      (e, o, err) => e ? reject(new Error(err)) : resolve(o),
    )
  );
}

function runPython(script: string, args: string[], timeout = 120000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      pythonPath(),
      [`${ROOT}tests/fixtures/${script}`, ...args],
      { timeout, maxBuffer: 1 << 24 },
      (e, out, err) =>
        e ? reject(new Error(`${script} failed: ${e.message}\n${out}\n${err}`)) : resolve(out),
    )
  );
}

function checks(out: string): Array<{ check: string; ok: boolean; detail: string }> {
  assert.match(out, /\nDONE\n$/, `the Python client did not finish:\n${out}`);
  return out.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

describe("Python clients against our Daemon", () => {
  let daemon: Daemon;
  let uri: string;
  before(async () => {
    daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    registerAll(daemon);
    uri = String(daemon.uriFor("test.service"));
  });
  after(() => daemon.close());

  for (const serializer of ["serpent", "json", "marshal", "msgpack"]) {
    it(`serves every feature to a Python client using ${serializer}`, async () => {
      const results = checks(await runPython("py_client.py", [uri, serializer]));
      assert.ok(results.length >= 17, `only ${results.length} checks ran`);
      for (const r of results) assert.ok(r.ok, `${serializer}: ${r.check}: ${r.detail}`);
    });
  }

  it("serves compressed requests and replies", async () => {
    const compressed = await loopbackDaemon({ COMPRESSION: true });
    try {
      registerAll(compressed);
      const results = checks(
        await runPython("py_client.py", [
          String(compressed.uriFor("test.service")),
          "serpent",
          "--compression",
        ]),
      );
      for (const r of results) assert.ok(r.ok, `compression: ${r.check}: ${r.detail}`);
    } finally {
      await compressed.close();
    }
  });
});

describe("our Daemon with special setups", () => {
  it("validates handshakes: accepted with a reply, refused with the reason", async () => {
    const daemon = await HandshakeDaemon.create({ host: "127.0.0.1", port: 0 }) as HandshakeDaemon;
    try {
      registerAll(daemon);
      const script = `
import Pyro5.api, Pyro5.errors, sys
seen = []
class Checking(Pyro5.api.Proxy):
    def _pyroValidateHandshake(self, response):
        seen.append(response)
p = Checking(sys.argv[1]); p._pyroHandshake = {"secret": "letmein"}
print(p.echo(5), seen)
q = Pyro5.api.Proxy(sys.argv[1]); q._pyroHandshake = {"secret": "wrong"}
try:
    q.echo(1)
except Pyro5.errors.CommunicationError as e:
    print("refused:", e)
`;
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          pythonPath(),
          ["-c", script, String(daemon.uriFor("test.service"))],
          (e, o, err) => e ? reject(new Error(err)) : resolve(o),
        )
      );
      const lines = out.trim().split("\n");
      assert.equal(lines[0], "5 [{'welcome': True}]");
      assert.match(
        lines[1],
        /^refused: connection to \('127\.0\.0\.1', \d+\) rejected: handshake refused: \{"secret":"wrong"\}$/,
      );
    } finally {
      await daemon.close();
    }
  });

  it("serves over a Unix socket, with NAT addresses in its URIs", async () => {
    const path = socketPath("our-daemon");
    const daemon = await Daemon.create({ unixsocket: path });
    try {
      registerAll(daemon);
      assert.equal(String(daemon.uriFor("test.service")), `PYRO:test.service@./u:${path}`);
      assert.equal(await pythonEcho(String(daemon.uriFor("test.service")), "unix"), "unix\n");
    } finally {
      await daemon.close();
    }
    const nat = await Daemon.create({
      host: "127.0.0.1",
      port: 0,
      nathost: "example.org",
      natport: 0,
    });
    try {
      const port = Number(nat.locationStr.split(":")[1]);
      assert.equal(String(nat.register({}, "x")), `PYRO:x@example.org:${port}`);
      assert.equal(String(nat.uriFor("x", { nat: false })), `PYRO:x@127.0.0.1:${port}`);
    } finally {
      await nat.close();
    }
  });

  it("serves over IPv6", async () => {
    const daemon = await Daemon.create({ host: "::1", port: 0 });
    try {
      registerAll(daemon);
      const uri = String(daemon.uriFor("test.service"));
      assert.match(uri, /@\[::1\]:\d+$/);
      assert.equal(await pythonEcho(uri, "v6"), "v6\n");
    } finally {
      await daemon.close();
    }
  });

  it("keeps serving others when a client sends garbage or vanishes mid-message, and close() frees the port", async () => {
    const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    registerAll(daemon);
    const port = Number(daemon.locationStr.split(":")[1]);
    const transport = await defaultTransport();
    // Before the handshake, garbage gets a CONNECTFAIL in marshal, as Pyro5 answers.
    const garbage = await transport.connect({ hostname: "127.0.0.1", port });
    await garbage.write(new TextEncoder().encode("GARBAGE!".repeat(5)));
    const reply = await garbage.readable.getReader().read();
    assert.equal(reply.value![6], 3, "CONNECTFAIL");
    assert.equal(reply.value![7], 2, "marshal");
    assert.match(new TextDecoder().decode(reply.value!.subarray(40)), /invalid data/);
    // Half a header, then gone.
    const vanishing = await transport.connect({ hostname: "127.0.0.1", port });
    await vanishing.write(new TextEncoder().encode("PYRO"));
    await vanishing.close();
    assert.equal(await pythonEcho(String(daemon.uriFor("test.service")), "fine"), "fine\n");
    const idle = await transport.connect({ hostname: "127.0.0.1", port });
    await daemon.close();
    assert.equal(
      (await idle.readable.getReader().read()).done,
      true,
      "close() ends open connections",
    );
    const again = await transport.listen({ hostname: "127.0.0.1", port });
    await again.close();
  });

  it("serves 2000 connected Python proxies at once, and one more client", async () => {
    const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    try {
      registerAll(daemon);
      const out = await runPython("py_many_clients.py", [
        String(daemon.uriFor("test.service")),
        "2000",
      ], 300000);
      assert.match(out, /^connected 2000\nall answered 2000\nextra client answered\n$/);
    } finally {
      await daemon.close();
    }
  });
});
