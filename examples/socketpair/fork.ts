// A daemon in a child process that talks over its stdin and stdout, and a client in the parent:
// Pyro's connected-socket mode between processes, as Pyro5's fork example. The child is this
// file on the same runtime, or child.py (Python Pyro5).
// Run: deno run -A examples/socketpair/fork.ts [typescript|python]      (bun and node as well)
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { Daemon, expose, Proxy } from "../../mod.ts";
import { pythonCommand } from "../python.ts";
import { SharedStream } from "./pair.ts";

const web = (readable: Readable, writable: Writable) => ({
  readable: Readable.toWeb(readable) as unknown as ReadableStream<Uint8Array>,
  writable: Writable.toWeb(writable) as unknown as WritableStream<Uint8Array>,
});

if (process.argv.includes("--child")) {
  // The child: stdout is the wire, so everything it says goes to stderr.
  class Echo {
    echo(message: string) {
      return `process ${process.pid} got: ${message}`;
    }
  }
  expose(Echo);
  const { readable, writable } = web(process.stdin, process.stdout);
  const stream = new SharedStream(readable, writable, "stdio");
  await using daemon = await Daemon.create({ connectedSocket: stream.lease() });
  daemon.register(Echo, "echo");
  console.error(`child ${process.pid}: daemon on ${daemon.locationStr}`);
  await stream.ended; // the parent closed our stdin
} else {
  const which = process.argv[2] === "python" ? "python" : "typescript";
  const here = new URL(import.meta.url).pathname;
  const [cmd, args] = which === "python"
    ? pythonCommand([new URL("./child.py", import.meta.url).pathname])
    : "Deno" in globalThis
    ? [process.execPath, ["run", "-A", here, "--child"]]
    : [process.execPath, [here, "--child"]];
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const { readable, writable } = web(child.stdout!, child.stdin!);
  const stream = new SharedStream(readable, writable, `child-${child.pid}`);
  console.log(`parent ${process.pid}: client of a ${which} child ${child.pid}`);
  for (const round of [1, 2]) {
    await using echo = new Proxy("echo", { connectedSocket: stream.lease() });
    const reply = String(await echo.echo(`hello ${round}`)).replace(String(child.pid), "<child>");
    console.log(`proxy ${round}: ${reply}`);
  }
  await stream.close(); // ends the child's stdin: its daemon stops and it exits
  console.log(`the child exited with ${await exited}`);
}
