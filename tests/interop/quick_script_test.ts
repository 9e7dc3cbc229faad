// A user's quick script against Python Pyro5 exits on its own once its work is done: idle proxy
// connections and the name server lookup's leftovers do not keep the runtime alive.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type PythonServer, ROOT, startPythonServer } from "../fixtures/python.ts";
import { freePort, runtimeCommand } from "../helpers.ts";
import { URI } from "../../uri.ts";

const MOD = pathToFileURL(`${ROOT}mod.ts`).href;

interface Run {
  code: number | null;
  out: string;
  err: string;
  /** Milliseconds from the script's last line of output to its exit. */
  lingered: number;
}

/** Runs `command args`; a hang is cut off by a generous bound and fails the test. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let last = Date.now();
    child.stdout!.on("data", (d) => {
      out += d;
      last = Date.now();
    });
    child.stderr!.on("data", (d) => err += d);
    const hang = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`script still running after 20 s: ${out}${err}`));
    }, 20000);
    child.once("close", (code) => {
      clearTimeout(hang);
      resolve({ code, out, err, lingered: Date.now() - last });
    });
  });
}

/**
 * Starts a Python peer (`fixture`, ready when it prints `marker`), writes the script `body` (with
 * `MOD` standing for the module's URL) into a fresh folder, and runs `use` with them; cleans up.
 */
async function withScript(
  fixture: [file: string, marker?: string],
  body: string,
  use: (peer: PythonServer, script: string, dir: string) => Promise<void>,
): Promise<void> {
  const peer = await startPythonServer(fixture[0], [], fixture[1]);
  const dir = mkdtempSync(join(tmpdir(), "pyro5-script-"));
  try {
    const script = join(dir, "script.ts");
    writeFileSync(script, body.replaceAll("MOD", MOD));
    await use(peer, script, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await peer.stop();
  }
}

// The bound: the script exits within a second of its last line (before the fix: never
// for an idle proxy, 2.1 s after a PYRONAME lookup). The margin allows for a loaded machine.
const EXIT_BOUND_MS = 1500;

describe("a quick script against Python Pyro5", () => {
  it("exits on its own after calls on PYRO and PYRONAME proxies", async () => {
    await withScript(
      ["ns_daemon.py", "NS"],
      `import { Proxy } from "MOD";
const ns = new Proxy(process.argv[2]);
const uri = await ns.lookup("test.service");
console.log(await new Proxy(uri).echo("by uri"));
console.log(await new Proxy("PYRONAME:test.service").echo("by name"));
`,
      async (ns, script) => {
        const nsUri = new URI(ns.announced);
        const [cmd, pre] = runtimeCommand(script);
        const result = await run(cmd, [...pre, ns.announced], {
          // No host in the PYRONAME URI: the direct lookup races a broadcast nobody answers.
          PYRO_NS_HOST: "127.0.0.1",
          PYRO_NS_PORT: String(nsUri.port),
          PYRO_NS_BCPORT: String(await freePort()),
          PYRO_BROADCAST_ADDRS: "127.0.0.1",
        });
        assert.equal(result.code, 0, result.err);
        assert.equal(result.out, "by uri\nby name\n");
        assert.ok(
          result.lingered < EXIT_BOUND_MS,
          `exited ${result.lingered} ms after its last line`,
        );
      },
    );
  });

  it("stays alive while a call is pending on an otherwise idle process", async () => {
    await withScript(
      ["test_daemon.py"],
      `import { Proxy } from "MOD";
const p = new Proxy(process.argv[2]);
console.log(await p.echo("first"));
console.log(await p.slow(0.7, "after a pause"));
`,
      async (server, script) => {
        const [cmd, pre] = runtimeCommand(script);
        const result = await run(cmd, [...pre, server.announced]);
        assert.equal(result.code, 0, result.err);
        assert.equal(result.out, "first\nafter a pause\n");
      },
    );
  });

  it("an uncaught remote exception shows the Python traceback and the script's own call site", async () => {
    await withScript(
      ["test_daemon.py"],
      `import { Proxy } from "MOD";
const p = new Proxy(process.argv[2]);
async function userFunction() {
  return await p.fail();
}
await userFunction();
`,
      async (server, script) => {
        const [cmd, pre] = runtimeCommand(script);
        const result = await run(cmd, [...pre, server.announced]);
        assert.notEqual(result.code, 0);
        assert.match(result.err, /ValueError: boom/);
        assert.match(result.err, /Traceback \(most recent call last\):/);
        // Bun prints the traceback lines as the strings of _pyroTraceback (quotes escaped).
        assert.match(result.err, /test_daemon\.py\\?", line \d+, in fail/);
        if (!("Bun" in globalThis)) {
          // V8 (Deno, Node) keeps the async chain: the user's function and line, not our parser.
          assert.match(result.err, /at async userFunction \(.*script\.ts:4:\d+\)/);
          assert.doesNotMatch(result.err, /serpent_parser/);
        }
      },
    );
  });

  it("on Deno without --allow-env and with --allow-net=localhost: broadcast is unavailable, the direct lookup works", async () => {
    await withScript(
      ["ns_daemon.py", "NS"],
      `import { config, Proxy } from "MOD";
config.NS_HOST = "127.0.0.1";
config.NS_PORT = Number(process.argv[2]);
console.log(await new Proxy("PYRONAME:test.service").echo("no env, no udp"));
`,
      async (ns, script, dir) => {
        const nsUri = new URI(ns.announced);
        const deno = `${ROOT}node_modules/.bin/deno`;
        const flags = ["run", `--allow-read=${ROOT},${dir}`, "--allow-net=127.0.0.1,localhost"];
        const ok = await run(deno, [...flags, script, String(nsUri.port)]);
        assert.equal(ok.code, 0, ok.err);
        assert.equal(ok.out, "no env, no udp\n");
        assert.ok(ok.lingered < EXIT_BOUND_MS, `exited ${ok.lingered} ms after its last line`);
        // PYRO_* settings cannot be read: said once, not silently dropped.
        assert.match(ok.err, /PYRO_\* environment config not read .*--allow-env=PYRO_\*/);

        // Nothing answers: the NamingError names each way and why it was unavailable.
        const none = await run(deno, [...flags, script, "1"]);
        assert.notEqual(none.code, 0);
        assert.match(none.err, /Failed to locate the nameserver/);
        assert.match(none.err, /broadcast unavailable: no permission/);
        assert.match(none.err, /127\.0\.0\.1:1/);

        // With --allow-env=PYRO_* the variables are read one by one.
        const env = await run(deno, [...flags, "--allow-env=PYRO_*", script, String(nsUri.port)], {
          PYRO_SERIALIZER: "json",
        });
        assert.equal(env.code, 0, env.err);
        assert.doesNotMatch(env.err, /environment config not read/);
      },
    );
  });
});
