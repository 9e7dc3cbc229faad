// Our name server with Python clients and tools, our locateNS with Python's
// name server, and SQLite databases either side can open.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locateNS, resolve, startNS } from "../../naming.ts";
import { NamingError } from "../../errors.ts";
import { URI } from "../../uri.ts";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { pythonPath, ROOT, startPythonServer, withPythonServer } from "../fixtures/python.ts";
import { broadcastingNS, freePort, runtimeCommand } from "../helpers.ts";

function py(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      pythonPath(),
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120000 },
      (e, out, err) =>
        e ? reject(new Error(`${args.join(" ")}: ${e.message}\n${out}\n${err}`)) : resolve(out),
    )
  );
}

describe("our name server", () => {
  for (const serializer of ["serpent", "json", "marshal", "msgpack"]) {
    it(`is driven by Python's locate_ns (directly and by broadcast) with ${serializer}`, async () => {
      const bcport = await freePort();
      const ns = await broadcastingNS(bcport);
      try {
        const out = await py([
          `${ROOT}tests/fixtures/py_ns_client.py`,
          "127.0.0.1",
          String(ns.uri.port),
          String(bcport),
          serializer,
        ]);
        assert.match(out, /\nDONE\n$/);
        const checks = out.trim().split("\n").filter((l) => l.startsWith("{")).map((l) =>
          JSON.parse(l)
        );
        assert.equal(checks.length, 3);
        for (const c of checks) {
          assert.ok(c.ok, `${serializer}: ${c.check}: ${c.detail}`);
        }
      } finally {
        await ns.close();
      }
    });
  }

  it("works with Python's nsc tool", async () => {
    const ns = await startNS({ host: "127.0.0.1", port: 0 });
    try {
      const base = ["-m", "Pyro5.nsc", "-n", "127.0.0.1", "-p", String(ns.uri.port)];
      assert.match(await py([...base, "ping"]), /Name server ping ok\./);
      await py([...base, "register", "tool.thing", "PYRO:thing@localhost:5555"]);
      assert.match(await py([...base, "list"]), /tool\.thing --> PYRO:thing@localhost:5555/);
      assert.match(await py([...base, "lookup", "tool.thing"]), /PYRO:thing@localhost:5555/);
      await py([...base, "setmeta", "tool.thing", "red", "round"]);
      assert.match(
        await py([...base, "yplookup_all", "red"]),
        /tool\.thing --> PYRO:thing@localhost:5555/,
      );
      await py([...base, "remove", "tool.thing"]);
      assert.doesNotMatch(await py([...base, "list"]), /tool\.thing/);
    } finally {
      await ns.close();
    }
  });
});

describe("our locateNS with Python's name server", () => {
  it("finds it directly and by broadcast, and resolves names through it", async () => {
    const bcport = await freePort();
    await withPythonServer("py_nameserver.py", [String(bcport)], "NS", async (server) => {
      const nsUri = new URI(server.announced);
      await using direct = await locateNS("127.0.0.1", nsUri.port);
      assert.equal(await direct.count() >= 1, true);
      await direct.register("ts.thing", "PYRO:thing@localhost:7777", { metadata: ["tag:ts"] });
      assert.equal(String(await direct.lookup("ts.thing")), "PYRO:thing@localhost:7777");
      const [uri, meta] = await direct.lookup("ts.thing", { returnMetadata: true });
      assert.equal(uri.port, 7777);
      assert.deepEqual(meta, new Set(["tag:ts"]));
      assert.deepEqual([
        ...(await direct.yplookup({ metaAll: ["tag:ts"], returnMetadata: false })).keys(),
      ], ["ts.thing"]);
      assert.deepEqual([...(await direct.list({ prefix: "ts." })).keys()], ["ts.thing"]);
      await assert.rejects(
        direct.lookup("ts.none"),
        (e: Error) => e instanceof NamingError && e.message === "unknown name: ts.none",
      );
      await using found = await locateNS(null, null, {
        config: {
          NS_HOST: "localhost",
          NS_PORT: 1,
          NS_BCPORT: bcport,
          BROADCAST_ADDRS: ["127.0.0.1"],
        },
      });
      assert.equal(found.uri.port, nsUri.port);
      assert.equal(
        String(await resolve(`PYRONAME:ts.thing@127.0.0.1:${nsUri.port}`)),
        "PYRO:thing@localhost:7777",
      );
      assert.equal(await direct.remove("ts.thing"), 1);
    });
  });

  it("says where it looked when no name server answers", async () => {
    await assert.rejects(
      locateNS(null, null, {
        config: { NS_HOST: "localhost", NS_PORT: 1, NS_BCPORT: 1, BROADCAST_ADDRS: ["127.0.0.1"] },
      }),
      (e: Error) =>
        e instanceof NamingError &&
        /tried: localhost:1; broadcast 127\.0\.0\.1 port 1/.test(e.message),
    );
  });
});

describe("autoclean", () => {
  it("removes registrations whose daemon stays unreachable, keeps the others", async () => {
    const ns = await startNS({
      host: "127.0.0.1",
      port: 0,
      autoclean: { interval: 0.2, grace: 0.5 },
    });
    const alive = await startPythonServer("test_daemon.py", []);
    try {
      await using p = await locateNS("127.0.0.1", ns.uri.port);
      await p.register("gone", "PYRO:gone@127.0.0.1:1");
      await p.register("alive", alive.announced);
      const deadline = Date.now() + 20000;
      while ((await p.list()).has("gone") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const names = [...(await p.list()).keys()].sort();
      assert.deepEqual(names, ["Pyro.NameServer", "alive"]);
    } finally {
      await alive.stop();
      await ns.close();
    }
  });

  it("refuses an NS_AUTOCLEAN under 3 seconds, as Pyro5 does", async () => {
    await assert.rejects(
      startNS({ host: "127.0.0.1", port: 0, config: { NS_AUTOCLEAN: 1 } }),
      /NS_AUTOCLEAN cannot be smaller than 3/,
    );
  });
});

describe("SQLite storage", () => {
  it("is read by Pyro5's sql: storage and the reverse, and survives restarts and kill -9", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyro5-ns-"));
    const db = join(dir, "ns.sqlite");
    try {
      const ours = await startNS({ host: "127.0.0.1", port: 0, storage: `sql:${db}` });
      await using p = await locateNS("127.0.0.1", ours.uri.port);
      await p.register("ts.persistent", "PYRO:p@localhost:1234", { metadata: ["m1", "m2"] });
      await p._pyroRelease();
      await ours.close();
      const read = await py([
        "-c",
        `
import sys
from Pyro5.nameserver import SqlStorage
s = SqlStorage(sys.argv[1])
uri, meta = s["ts.persistent"]
print(uri, sorted(meta))
s["py.written"] = ("PYRO:w@localhost:4321", {"pm"})
s.close()`,
        db,
      ]);
      assert.equal(read, "PYRO:p@localhost:1234 ['m1', 'm2']\n");
      const again = await startNS({ host: "127.0.0.1", port: 0, storage: `sql:${db}` });
      try {
        await using q = await locateNS("127.0.0.1", again.uri.port);
        assert.equal(String(await q.lookup("py.written")), "PYRO:w@localhost:4321");
        assert.deepEqual(
          (await q.lookup("ts.persistent", { returnMetadata: true }))[1],
          new Set(["m1", "m2"]),
        );
      } finally {
        await again.close();
      }
      // A name server killed with SIGKILL right after a registration keeps it.
      const [cmd, args] = runtimeCommand(`${ROOT}tests/fixtures/ns_child.ts`);
      const child = spawn(cmd, [...args, db], { stdio: ["ignore", "pipe", "inherit"] });
      const announced = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout! }).on(
          "line",
          (l) => l.startsWith("NS ") && resolve(l.slice(3)),
        )
      );
      const childNs = await locateNS("127.0.0.1", new URI(announced).port);
      await childNs.register("ts.survivor", "PYRO:s@localhost:999");
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      await childNs._pyroRelease();
      const survived = await py([
        "-c",
        "import sys\nfrom Pyro5.nameserver import SqlStorage\ns = SqlStorage(sys.argv[1])\nprint(s['ts.survivor'][0])",
        db,
      ]);
      assert.equal(survived, "PYRO:s@localhost:999\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
