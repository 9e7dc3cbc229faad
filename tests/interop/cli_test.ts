// The command-line tools on this test's runtime, with Python Pyro5 on the other side.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { pythonPath, ROOT, withPythonServer } from "../fixtures/python.ts";
import { freePort, runtimeCommand } from "../helpers.ts";
import { URI } from "../../uri.ts";

function tool(name: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [cmd, pre] = runtimeCommand(`${ROOT}cli/${name}.ts`);
  return new Promise((resolve) =>
    execFile(
      cmd,
      [...pre, ...args],
      { timeout: 60000 },
      (e, out, err) =>
        resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err }),
    )
  );
}

async function startTool(
  name: string,
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const [cmd, pre] = runtimeCommand(`${ROOT}cli/${name}.ts`);
  const child = spawn(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let err = "";
  child.stderr!.on("data", (d) => err += d);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      lines.push(l);
      if (ready.test(l)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`${name} exited ${code}: ${err}`)));
  });
  return { child, lines };
}

function py(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      pythonPath(),
      args,
      { timeout: 60000 },
      (e, out, err) => e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out),
    )
  );
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((r) =>
    child.exitCode !== null ? r(child.exitCode) : child.once("exit", (c) => r(c))
  );

describe("command-line tools", () => {
  it("ns: serves Python's nsc, and shuts down cleanly on Ctrl-C", async () => {
    const port = await freePort();
    const { child, lines } = await startTool(
      "ns",
      ["-n", "127.0.0.1", "-p", String(port)],
      /^URI = /,
    );
    assert.deepEqual(lines, [
      "Not starting broadcast server for localhost.",
      `NS running on 127.0.0.1:${port} (127.0.0.1)`,
      `URI = PYRO:Pyro.NameServer@127.0.0.1:${port}`,
    ]);
    assert.match(
      await py(["-m", "Pyro5.nsc", "-n", "127.0.0.1", "-p", String(port), "ping"]),
      /Name server ping ok\./,
    );
    const closed = new Promise<void>((r) => child.stdout!.once("end", () => r()));
    child.kill("SIGINT");
    const code = await exited(child);
    // Deno's node:child_process reports a child it sent a signal to as killed by it, even when the
    // child handled the signal and exited with 0 (a shell sees 0); the last line shows the clean exit.
    assert.ok(code === 0 || ("Deno" in globalThis && code === null), `exit code ${code}`);
    await closed;
    assert.equal(lines.at(-1), "NS shut down.");
  });

  it("ns: prints Pyro5's start-up lines, in Pyro5's order, for the same flags", async () => {
    const banner = async (child: ChildProcess, port: number): Promise<string[]> => {
      const lines: string[] = [];
      await new Promise<void>((resolve, reject) => {
        let done = false;
        createInterface({ input: child.stdout! }).on("line", (l) => {
          if (done) return; // the start-up lines only
          lines.push(l.replaceAll(String(port), "PORT"));
          if (l.startsWith("URI = ")) done = true, resolve();
        });
        child.once("exit", (code) => reject(new Error(`name server exited ${code}: ${lines}`)));
      });
      child.kill("SIGINT");
      await exited(child);
      return lines;
    };
    for (const flags of [["-n", "127.0.0.1", "-x"], ["-n", "localhost", "-x"], ["-n", "::1"]]) {
      const [ours, theirs] = [await freePort(), await freePort()];
      const [cmd, pre] = runtimeCommand(`${ROOT}cli/ns.ts`);
      const oursLines = await banner(
        spawn(cmd, [...pre, ...flags, "-p", String(ours)], { stdio: ["ignore", "pipe", "pipe"] }),
        ours,
      );
      const pythonLines = await banner(
        spawn(pythonPath(), ["-m", "Pyro5.nameserver", ...flags, "-p", String(theirs)], {
          stdio: ["ignore", "pipe", "pipe"],
        }),
        theirs,
      );
      assert.deepEqual(oursLines, pythonLines, flags.join(" "));
      assert.match(oursLines[0], /^Not starting broadcast server for (localhost|IPv6)\.$/);
    }
  });

  it("nsc: drives Python's name server with Pyro5's commands and output", async () => {
    await withPythonServer("py_nameserver.py", ["0"], "NS", async (server) => {
      const port = String(new URI(server.announced).port);
      const nsc = (...args: string[]) => tool("nsc", ["-n", "127.0.0.1", "-p", port, ...args]);
      assert.equal((await nsc("ping")).out, "Name server ping ok.\n");
      assert.equal(
        (await nsc("register", "cli.thing", "PYRO:thing@localhost:5555")).out,
        "Registered cli.thing\n",
      );
      assert.equal((await nsc("setmeta", "cli.thing", "red", "round")).out, "Metadata updated\n");
      assert.equal(
        (await nsc("lookup", "cli.thing")).out.split("\n")[0],
        "PYRO:thing@localhost:5555",
      );
      assert.match(
        (await nsc("list", "cli.")).out,
        /^--------START LIST - prefix 'cli\.'\ncli\.thing --> PYRO:thing@localhost:5555\n {4}metadata: \{'(red|round)', '(red|round)'\}\n--------END LIST - prefix 'cli\.'\n$/,
      );
      assert.match((await nsc("listmatching", "cli\\..*")).out, /cli\.thing --> /);
      assert.match((await nsc("yplookup_any", "red", "blue")).out, /cli\.thing --> /);
      assert.match(
        (await nsc("yplookup_all", "red", "blue")).out,
        /^--------START LIST {2}- searched by metadata\n--------END LIST {2}- searched by metadata\n$/,
      );
      assert.equal((await nsc("remove", "cli.thing")).out, "Removed cli.thing\n");
      assert.equal((await nsc("remove", "cli.thing")).out, "Nothing removed\n");
      const missing = await nsc("lookup", "cli.thing");
      assert.equal(missing.code, 1);
      assert.equal(missing.err, "Error: NamingError - unknown name: cli.thing\n");
    });
  });

  it("each tool prints --help, and exits non-zero with a one-line reason", async () => {
    for (const name of ["ns", "nsc", "echoserver"]) {
      const help = await tool(name, ["--help"]);
      assert.equal(help.code, 0, name);
      assert.match(help.out, /^usage: /, name);
    }
    const bad = await tool("ns", ["-p", "notaport"]);
    assert.notEqual(bad.code, 0);
    // As argparse: the usage lines, then one line with the reason.
    assert.match(
      bad.err,
      /^usage: ns \[-h\] [^\n]*\n(?: {10}[^\n]*\n)*ns: error: argument -p\/--port: invalid int value: 'notaport'\n$/,
    );
    const badCommand = await tool("nsc", ["frobnicate"]);
    assert.notEqual(badCommand.code, 0);
    assert.match(
      badCommand.err,
      /^usage: nsc [\s\S]*\nnsc: error: argument command: invalid choice: 'frobnicate'/,
    );
    const unknownFlag = await tool("nsc", ["--frobnicate", "list"]);
    assert.equal(unknownFlag.code, 2);
    assert.match(
      unknownFlag.err,
      /^usage: nsc [\s\S]*\nnsc: error: unrecognized arguments: --frobnicate\n$/,
    );
    const missing = await tool("nsc", ["lookup"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /\nnsc: error: lookup needs 1 argument\n$/);
    const unreachable = await tool("nsc", ["-n", "127.0.0.1", "-p", "1", "ping"]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.err, /^Error: Failed to locate the nameserver at 127\.0\.0\.1:1/);
    assert.equal(unreachable.err.trim().split("\n").length, 1);
  });

  it("echoserver: Python's echo server client code works against it", async () => {
    const port = await freePort();
    const { child, lines } = await startTool(
      "echoserver",
      ["-H", "127.0.0.1", "-p", String(port)],
      /^echoserver running\.$/,
    );
    assert.equal(lines[1], "object name: test.echoserver");
    assert.equal(lines[2], `echo uri: PYRO:test.echoserver@127.0.0.1:${port}`);
    const out = await py([
      "-c",
      `
import sys, math, Pyro5.api
with Pyro5.api.Proxy(sys.argv[1]) as e:
    print(e.echo([1, "two", 3.5]))
    try:
        e.error()
    except ValueError as x:
        print("error:", x)
    try:
        e.error_with_text()
    except ValueError as x:
        print("error:", x)
    print(list(e.generator()))
    print(math.isnan(e.nan()), e.inf())
    print(e.oneway_echo("x"), e.verbose)
    e.verbose = True
    print(e.verbose)
    e.shutdown()
`,
      `PYRO:test.echoserver@127.0.0.1:${port}`,
    ]);
    assert.equal(
      out,
      "[1, 'two', 3.5]\nerror: this is the generated error from echoserver echo() method\nerror: the message of the error\n['one', 'two', 'three']\nTrue inf\nNone False\nTrue\n",
    );
    assert.equal(await exited(child), 0, "shutdown() stops the server");
  });
});
