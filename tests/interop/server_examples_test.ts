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

/** Each server example, the arguments its Python client takes, and what the client prints. */
const EXAMPLES: Array<[example: string, args: (port: number) => string[], prints: string]> = [
  [
    "server_greeting",
    (port) => [`PYRO:example.greeting@localhost:${port}`, "Bob"],
    "Hello, Bob. Here is your fortune message:\nTomorrow's lucky number is 12345678.\n" +
    "Hi, Bob!\nHello, Bob!\n" +
    'To Bob\nHappy birthday\n********\n{"border":"*","color":"red"}\n' +
    "TypeError: GreetingMaker.greet() got an unexpected keyword argument 'nickname'\n",
  ],
  [
    "server_callbacks",
    (port) => [`PYRO:example.worker@localhost:${port}`],
    "job 1 done: 1\njob 2 done: 4\njob 3 done: 9\nworker finished 3 jobs, 3 callbacks received\n",
  ],
  [
    "server_streaming",
    (port) => [`PYRO:example.sensors@localhost:${port}`],
    "reading 0 20\nreading 1 20.5\nreading 2 21\ncountdown [5, 4, 3, 2, 1]\n",
  ],
  [
    "server_handshake",
    (port) => [`PYRO:example.secure@localhost:${port}`],
    "server said: {'welcome': 'alice'}\nthe vault is open\nintruder refused: wrong secret\n",
  ],
  [
    "server_instances",
    (port) => [`localhost:${port}`],
    "single [1, 2, 3]\nsession [1, 2, 1]\npercall [1, 1, 1]\n",
  ],
];

describe("server examples with their Python clients", () => {
  for (const [example, args, prints] of EXAMPLES) {
    it(
      example.replace("server_", "").replace("instances", "instance modes"),
      () =>
        withServer(example, async (port) => {
          assert.equal(await client(example, args(port)), prints);
        }),
    );
  }
});
