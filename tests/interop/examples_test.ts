// The client examples run as written against their Python servers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { ROOT, startPythonModule, startPythonScript } from "../fixtures/python.ts";
import { freePort, runtimeCommand } from "../helpers.ts";

/** Runs `fn` with the port of `examples/<example>/server.py`, served by Pyro5's `serve()`. */
async function withExampleServer(example: string, fn: (port: number) => Promise<void>) {
  const port = await freePort();
  const server = await startPythonScript(
    [`examples/${example}/server.py`, String(port)],
    "Pyro daemon running.",
  );
  try {
    await fn(port);
  } finally {
    await server.stop();
  }
}

function runExample(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const [cmd, pre] = runtimeCommand(`${ROOT}examples/${script}`);
  return new Promise((resolve, reject) =>
    execFile(
      cmd,
      [...pre, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60000 },
      (e, out, err) => e ? reject(new Error(`${script}: ${e.message}\n${err}`)) : resolve(out),
    )
  );
}

describe("client examples against their Python servers", () => {
  it("greeting: calls a Python server found by name in a name server", async () => {
    const port = await freePort();
    const env = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: String(port) };
    const ns = await startPythonModule(
      "Pyro5.nameserver",
      ["-n", "127.0.0.1", "-p", String(port), "-x"],
      "NS running",
      env,
    );
    try {
      const server = await startPythonScript(["examples/greeting/server.py"], "Ready.", env);
      try {
        const out = await runExample("greeting/client.ts", ["Alice"], env);
        assert.match(
          out,
          /^Hello, Alice\. Here is your fortune message:\nTomorrow's lucky number is 12345678\.\n$/,
        );
      } finally {
        await server.stop();
      }
    } finally {
      await ns.stop();
    }
  });

  it("batch: the failing call's error is raised in its place", async () => {
    await withExampleServer("batch", async (port) => {
      const out = await runExample("batch/client.ts", [String(port)]);
      assert.match(
        out,
        /^(result: \d+\n){6}the batch stopped at a remote error: ZeroDivisionError: division by zero\n$/,
      );
      assert.ok(
        out.startsWith("result: 10\nresult: 20\nresult: 30\nresult: 40\nresult: 50\nresult: 3\n"),
      );
    });
  });

  it("streaming: a file arrives chunk by chunk, whole", async () => {
    await withExampleServer("streaming", async (port) => {
      const out = await runExample("streaming/client.ts", [
        String(port),
        `${ROOT}tests/vectors/messages.json`,
      ]);
      const { createHash } = await import("node:crypto");
      const { readFileSync } = await import("node:fs");
      const file = readFileSync(`${ROOT}tests/vectors/messages.json`);
      const sha = createHash("sha256").update(file).digest("hex");
      assert.equal(
        out,
        `${ROOT}tests/vectors/messages.json: ${file.length} bytes in ${
          Math.ceil(file.length / 4096)
        } chunks, sha256 ${sha}\n`,
      );
    });
  });

  it("correlation: the server sees the ids the client sets", async () => {
    await withExampleServer("correlation", async (port) => {
      const out = await runExample("correlation/client.ts", [String(port)]);
      const lines = out.trim().split("\n");
      const all = lines[0].replace("set for every call: ", "");
      assert.equal(lines[1], `call with correlation id ${all}`);
      assert.equal(lines[2], `call with correlation id ${all}`);
      const one = lines[3].replace("for one call only: ", "");
      assert.equal(lines[4], `call with correlation id ${one}`);
      assert.equal(lines[5], `the reply carried: ${one}`);
    });
  });
});
