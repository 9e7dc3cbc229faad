// The `pyro5` command on this test's runtime against Python Pyro5: call, check-config, doctor.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import {
  type PythonServer,
  ROOT,
  startPythonServer,
  withPythonServer,
} from "../fixtures/python.ts";
import { freePort, runtimeCommand } from "../helpers.ts";
import { URI } from "../../uri.ts";

function pyro5(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const [cmd, pre] = runtimeCommand(`${ROOT}cli/pyro5.ts`);
  return new Promise((resolve) =>
    execFile(
      cmd,
      [...pre, ...args],
      { timeout: 60000, env: { ...process.env, NO_COLOR: "1", ...env } },
      (e, out, err) =>
        resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err }),
    )
  );
}

async function stopAll(servers: PythonServer[]): Promise<void> {
  for (const s of servers.reverse()) await s.stop();
}

describe("pyro5 command", () => {
  it("--help lists the commands; an unknown command prints usage and exits 2", async () => {
    const help = await pyro5(["--help"]);
    assert.equal(help.code, 0);
    assert.match(
      help.out,
      /^usage: pyro5 \[-h\] \{ns,nsc,echoserver,httpgateway,check-config,call,doctor\}/,
    );
    const bad = await pyro5(["frobnicate"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /pyro5: error: argument command: invalid choice: 'frobnicate'/);
  });

  it("call: JSON arguments, keyword arguments, JSON or repr output, remote tracebacks", async () => {
    await withPythonServer("test_daemon.py", [], async (daemon) => {
      const uri = daemon.announced;
      const echo = await pyro5(["call", uri, "echo", '{"a":[1,2.5,null,true]}', "--json"]);
      assert.equal(echo.code, 0, echo.err);
      assert.deepEqual(JSON.parse(echo.out), { a: [1, 2.5, null, true] });
      assert.equal((await pyro5(["call", uri, "add", "2", "b=40"])).out, "42\n");
      // Words that are not JSON are text; --repr prints Python's literal syntax.
      assert.equal((await pyro5(["call", "--repr", uri, "echo", "Alice"])).out, "'Alice'\n");
      assert.equal(
        (await pyro5(["call", "--repr", uri, "echo", "[1,null,true]"])).out,
        "[1,None,True]\n",
      );
      const big = await pyro5(["call", uri, "echo", "123456789012345678901234567890"]);
      assert.equal(big.out, '"123456789012345678901234567890"\n', "a big int stays exact");
      const gen = await pyro5(["call", uri, "gen", "2"]);
      assert.deepEqual(JSON.parse(gen.out), ["item-0", "item-1"]);
      const failed = await pyro5(["call", uri, "fail"]);
      assert.equal(failed.code, 1);
      assert.match(failed.err, /Remote traceback:\n \| Traceback \(most recent call last\):/);
      assert.match(failed.err, /\nValueError: boom\n$/);
      const usage = await pyro5(["call", uri]);
      assert.equal(usage.code, 2);
      assert.match(usage.err, /^usage: call .*\n[\s\S]*call: error: the following arguments/);
    });
  });

  it("check-config: every item, its value and where it came from", async () => {
    const r = await pyro5(["check-config"], { PYRO_NS_PORT: "9999", PYRO_COMPRESSION: "on" });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Pyro version: .*\nLoaded from: .*\nRuntime: .*\nProtocol version: 502\n/);
    assert.match(r.out, /\nNS_PORT = 9999 {3}\(from PYRO_NS_PORT\)\n/);
    assert.match(r.out, /\nCOMPRESSION = True {3}\(from PYRO_COMPRESSION\)\n/);
    assert.match(r.out, /\nSERIALIZER = serpent {3}\(default\)\n/);
    assert.match(r.out, /\nBROADCAST_ADDRS = \['<broadcast>', '0\.0\.0\.0'\] {3}\(default\)\n/);
  });
});

describe("errors a user can act on", () => {
  it("a bad PYRO_SERIALIZER or PYRO_LOGLEVEL is refused at start-up, naming the variable", async () => {
    const serializer = await pyro5(["call", "PYRONAME:x", "y"], { PYRO_SERIALIZER: "pickle" });
    assert.equal(serializer.code, 2);
    assert.equal(
      serializer.err,
      "pyro5: error: invalid PYRO_SERIALIZER 'pickle': use serpent, marshal, json, msgpack\n",
    );
    const level = await pyro5(["nsc", "ping"], { PYRO_LOGLEVEL: "LOUD" });
    assert.equal(level.code, 2);
    assert.equal(
      level.err,
      "pyro5: error: invalid PYRO_LOGLEVEL 'LOUD': use DEBUG, INFO, WARNING, ERROR, CRITICAL\n",
    );
  });

  it("address already in use: one line with the port and the flag to change, never a stack", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = String((busy.address() as { port: number }).port);
    try {
      const cases: Array<[string[], RegExp]> = [
        [
          ["ns", "-n", "127.0.0.1", "-p", port],
          /^ns: error: port \d+ on 127\.0\.0\.1 is already in use .*-p PORT/,
        ],
        [
          ["echoserver", "-H", "127.0.0.1", "-p", port],
          /^echoserver: error: port \d+ on 127\.0\.0\.1 is already in use .*-p PORT/,
        ],
      ];
      for (const [args, expected] of cases) {
        const r = await pyro5(args);
        assert.equal(r.code, 1, args[0]);
        const lines = r.err.trim().split("\n");
        assert.equal(lines.length, 1, `${args[0]}: ${r.err}`);
        assert.match(lines[0]!, expected);
        assert.ok(lines[0]!.includes(port));
      }
      const [cmd, pre] = runtimeCommand(`${ROOT}cli/demo.ts`);
      const demo = await new Promise<{ code: number; err: string }>((resolve) =>
        execFile(
          cmd,
          [...pre, port],
          { timeout: 60000 },
          (e, _out, err) =>
            resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, err }),
        )
      );
      assert.equal(demo.code, 1);
      assert.match(
        demo.err,
        new RegExp(`^demo: error: port ${port} is already in use .*first argument`),
      );
      assert.equal(demo.err.trim().split("\n").length, 1);
    } finally {
      busy.close();
    }
  });
});

describe("pyro5 doctor", () => {
  it("a working setup: name server found directly and by broadcast, the daemon answers", async () => {
    const bcport = await freePort();
    const servers: PythonServer[] = [];
    try {
      const ns = await startPythonServer("py_nameserver.py", [String(bcport)], "NS");
      servers.push(ns);
      servers.push(await startPythonServer("doctor_daemon.py", [ns.announced, "doctor.ok"]));
      const port = String(new URI(ns.announced).port);
      const r = await pyro5(["doctor", "-n", "127.0.0.1", "-p", port], {
        PYRO_BROADCAST_ADDRS: "127.0.0.1",
        PYRO_NS_BCPORT: String(bcport),
      });
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(
        r.out,
        new RegExp(`\\[ok\\] +name server found directly at 127\\.0\\.0\\.1:${port}`),
      );
      assert.match(r.out, /\[ok\] +broadcast lookup \(127\.0\.0\.1 port \d+\): answered by/);
      assert.match(
        r.out,
        /\[ok\] +doctor\.ok: Pyro5 daemon at 127\.0\.0\.1:\d+, protocol 502, serializers serpent, marshal, json, msgpack/,
      );
      assert.match(r.out, /\nno problems found\n$/);
    } finally {
      await stopAll(servers);
    }
  });

  it("no name server: says where it looked and how to start one", async () => {
    const port = String(await freePort());
    const r = await pyro5(["doctor", "-n", "127.0.0.1", "-p", port], {
      PYRO_BROADCAST_ADDRS: "127.0.0.1",
      PYRO_NS_BCPORT: String(await freePort()),
    });
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      new RegExp(`\\[problem\\] no name server at 127\\.0\\.0\\.1:${port}: `),
    );
    assert.match(r.out, new RegExp(`fix: start one: pyro5 ns -n 127\\.0\\.0\\.1 -p ${port}`));
    assert.match(r.out, /\[note\] +broadcast lookup .*: no name server answered\n +fix: /);
  });

  it("a broken setup: wrong interface, serializer mismatch, loopback URIs for remote clients", async () => {
    const servers: PythonServer[] = [];
    try {
      const ns = await startPythonServer("py_nameserver.py", [String(await freePort())], "NS");
      servers.push(ns);
      // Listens on 127.0.0.1, registered as [::1]: an IPv4/IPv6 (interface) mismatch.
      servers.push(
        await startPythonServer("doctor_daemon.py", [
          ns.announced,
          "doctor.v6",
          "--register-as",
          "::1",
        ]),
      );
      // A Python without msgpack, for a client that uses msgpack.
      servers.push(
        await startPythonServer("doctor_daemon.py", [
          ns.announced,
          "doctor.nomsgpack",
          "--without",
          "msgpack",
        ]),
      );
      const port = String(new URI(ns.announced).port);
      const r = await pyro5(["doctor", "--remote", "-n", "127.0.0.1", "-p", port], {
        PYRO_SERIALIZER: "msgpack",
        PYRO_BROADCAST_ADDRS: "127.0.0.1",
        PYRO_NS_BCPORT: String(await freePort()),
      });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(
        r.out,
        /\[problem\] doctor\.v6: \[::1\]:(\d+) refused .*, but 127\.0\.0\.1:\1 answers: IPv4\/IPv6 mismatch/,
      );
      assert.match(
        r.out,
        /fix: register the daemon under the address it listens on \(127\.0\.0\.1\)/,
      );
      assert.match(
        r.out,
        /\[problem\] doctor\.nomsgpack: serializer mismatch: the daemon does not take msgpack \(it takes serpent, marshal, json\)\n +fix: set PYRO_SERIALIZER=serpent/,
      );
      assert.match(r.out, /\[problem\] the name server listens on loopback \(127\.0\.0\.1:\d+\)/);
      assert.match(r.out, /\[problem\] doctor\.nomsgpack: the URI points at loopback/);
      assert.match(r.out, /\n\d+ problems found\n$/);
    } finally {
      await stopAll(servers);
    }
  });
});
