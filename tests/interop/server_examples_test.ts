// The server examples, each on this test's runtime, used as written by their Python clients.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { freePort, runtimeCommand } from "../helpers.ts";

async function withServer(example: string, test: (port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const [cmd, args] = runtimeCommand(`${ROOT}examples/${example}/server.ts`);
  const child = spawn(cmd, [...args, String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => err += d);
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on(
        "line",
        (l) => l.startsWith("Ready.") && resolve(),
      );
      child.once("exit", (code) => reject(new Error(`${example} server exited ${code}: ${err}`)));
    });
    await test(port);
  } finally {
    await new Promise<void>((
      r,
    ) => (child.exitCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGTERM"))));
  }
}

function client(example: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      pythonPath(),
      [`${ROOT}examples/${example}/client.py`, ...args],
      { timeout: 60000 },
      (e, out, err) =>
        e ? reject(new Error(`${example} client: ${e.message}\n${err}`)) : resolve(out),
    )
  );
}

describe("server examples with their Python clients", () => {
  it("greeting", () =>
    withServer("server_greeting", async (port) => {
      const out = await client("server_greeting", [
        `PYRO:example.greeting@localhost:${port}`,
        "Bob",
      ]);
      assert.equal(
        out,
        "Hello, Bob. Here is your fortune message:\nTomorrow's lucky number is 12345678.\n" +
          "Hi, Bob!\nHello, Bob!\n" +
          'To Bob\nHappy birthday\n********\n{"border":"*","color":"red"}\n' +
          "TypeError: GreetingMaker.greet() got an unexpected keyword argument 'nickname'\n",
      );
    }));

  it("callbacks", () =>
    withServer("server_callbacks", async (port) => {
      const out = await client("server_callbacks", [`PYRO:example.worker@localhost:${port}`]);
      assert.equal(
        out,
        "job 1 done: 1\njob 2 done: 4\njob 3 done: 9\nworker finished 3 jobs, 3 callbacks received\n",
      );
    }));

  it("streaming", () =>
    withServer("server_streaming", async (port) => {
      const out = await client("server_streaming", [`PYRO:example.sensors@localhost:${port}`]);
      assert.equal(out, "reading 0 20\nreading 1 20.5\nreading 2 21\ncountdown [5, 4, 3, 2, 1]\n");
    }));

  it("handshake", () =>
    withServer("server_handshake", async (port) => {
      const out = await client("server_handshake", [`PYRO:example.secure@localhost:${port}`]);
      assert.equal(
        out,
        "server said: {'welcome': 'alice'}\nthe vault is open\nintruder refused: wrong secret\n",
      );
    }));

  it("instance modes", () =>
    withServer("server_instances", async (port) => {
      const out = await client("server_instances", [`localhost:${port}`]);
      assert.equal(out, "single [1, 2, 3]\nsession [1, 2, 1]\npercall [1, 1, 1]\n");
    }));
});
