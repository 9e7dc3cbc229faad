// Pyro5's examples/http client programs (tests/fixtures/third_party/pyro5_http, copied unchanged, MIT)
// run against our gateway as written: client.py with Python, client.js with Node (it is a
// node.js program). Only the port changes, in a temporary copy: they name 8080, the test uses a
// free port. client.js keeps one global buffer for all its concurrent requests, which only works
// while each answer arrives whole before the next one starts; it does here.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { type OurGateway, type PythonStack, startPythonStack } from "../fixtures/gateway_stack.ts";
import { runtimeCommand } from "../helpers.ts";

function run(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => out += d);
    child.stderr!.on("data", (d) => out += d);
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

function copyWithPort(name: string, dir: string, port: number, as: string): string {
  const source = readFileSync(`${ROOT}tests/fixtures/third_party/pyro5_http/${name}`, "utf8");
  assert.ok(source.includes("8080"));
  const path = join(dir, as);
  writeFileSync(path, source.replaceAll("8080", String(port)));
  return path;
}

describe("Pyro5's examples/http clients against our gateway", () => {
  let stack: PythonStack;
  let ours: OurGateway;
  let dir: string;

  before(async () => {
    stack = await startPythonStack();
    // As the examples' Readme says: pyro5-httpgateway -e 'Pyro.|test.'
    ours = await stack.ourGateway({ expose: "Pyro.|test." });
    dir = mkdtempSync(join(tmpdir(), "pyro5-http-examples-"));
  });
  after(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("client.py", async () => {
    const script = copyWithPort("client.py", dir, ours.server.port, "client.py");
    const { code, out } = await run(pythonPath(), [script]);
    assert.equal(code, 0, out);
    assert.doesNotMatch(out, /Error/);
    for (const section of ["LIST--->", "META--->", "LOOKUP--->", "ONEWAY_SLOW--->", "SLOW--->"]) {
      assert.ok(out.includes(section), section);
    }
    assert.match(out, /'test\.echoserver': 'PYRO:test\.echoserver@127\.0\.0\.1:\d+'/);
    assert.match(out, /'attributes': \[\]/); // the name server's $meta
    assert.match(out, /'state': \['PYRO',\s+'Pyro\.NameServer',/); // lookup gives a URI dict
    assert.match(out, /ONEWAY_SLOW--->\nNone\n/);
    assert.match(out, /SLOW--->\n'Finally, an answer!'/);
  });

  it("client.js", async () => {
    const script = copyWithPort("client.js", dir, ours.server.port, "client.cjs");
    // A node.js program, as its header says: run by the project's Node 24 on every runtime.
    const { code, out } = await run(`${ROOT}node_modules/.bin/node`, [script]);
    assert.equal(code, 0, out);
    assert.doesNotMatch(out, /ERROR|Server returned error/);
    for (const section of ["LIST--->", "META--->", "LOOKUP--->", "ONEWAY_SLOW--->", "SLOW--->"]) {
      assert.ok(out.includes(section), section);
    }
    assert.match(out, /"test\.echoserver": "PYRO:test\.echoserver@127\.0\.0\.1:\d+"/);
    assert.match(out, /ONEWAY_SLOW--->\nnull/);
    assert.match(out, /SLOW--->\n"Finally, an answer!"/);
  });

  it("the command takes Pyro5's flags and prints Python's start-up lines", async () => {
    const [cmd, args] = runtimeCommand(`${ROOT}cli/httpgateway.ts`);
    const child = spawn(cmd, [
      ...args,
      ...["-H", "127.0.0.1", "-p", "0", "-e", "test.", "-g", "k3y", "-c", "https://x.example"],
      ...["-t", "5"],
    ], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...stack.env } });
    try {
      const lines: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${lines.join("\n")}`)));
        createInterface({ input: child.stdout! }).on("line", (line) => {
          lines.push(line);
          const m = /^Pyro HTTP gateway running on (http:\/\/127\.0\.0\.1:\d+)\/pyro\/$/.exec(line);
          if (m) resolve(m[1]);
        });
      });
      assert.deepEqual(lines.slice(0, 2), [
        "Exposing objects with names matching:  test.",
        `Connected to name server at:  ${stack.nsUri}`,
      ]);
      const refused = await fetch(`${url}/pyro/test.echoserver/echo?message=x`);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get("access-control-allow-origin"), "https://x.example");
      await refused.text();
      const answered = await fetch(`${url}/pyro/test.echoserver/echo?message=x`, {
        headers: { "X-Pyro-Gateway-Key": "k3y" },
      });
      assert.equal(await answered.text(), '"x"');
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
