// The README's "run it" command: the printed calls work as printed.
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { runtimeCommand } from "../helpers.ts";

it("demo: Python and TypeScript reach the example object through our name server", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const [cmd, args] = runtimeCommand(`${ROOT}cli/demo.ts`);
  const child = spawn(cmd, [...args, String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout! }).on(
      "line",
      (l) => (lines.push(l), l.startsWith("Serving") && resolve()),
    )
  );
  try {
    const env = { ...process.env, PYRO_NS_PORT: String(port) };
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        pythonPath(),
        [
          "-c",
          "import Pyro5.api; print(Pyro5.api.Proxy('PYRONAME:example.greeting').get_fortune('Alice'))",
        ],
        { env },
        (e, o, err) => e ? reject(new Error(err)) : resolve(o),
      )
    );
    assert.equal(
      out,
      "Hello, Alice. Here is your fortune message:\nTomorrow's lucky number is 12345678.\n",
    );
    const [tcmd, targs] = runtimeCommand(`${ROOT}examples/greeting/client.ts`);
    const ts = await new Promise<string>((resolve, reject) =>
      execFile(
        tcmd,
        [...targs, "Alice"],
        { env, cwd: ROOT },
        (e, o, err) => e ? reject(new Error(err)) : resolve(o),
      )
    );
    assert.equal(ts, out);
    assert.ok(lines.some((l) => l.includes("python -c")), lines.join("\n"));
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.exitCode !== null ? r(null) : child.once("exit", r));
  }
});
