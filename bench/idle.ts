// Idle connections and a compression bomb, on our daemon (in a child process on this runtime) and
// on Python Pyro5's (multiplex server: its thread server would need a thread per connection):
// `idle.ts [count]` holds <count> handshaken connections on each and prints JSON with the
// daemon's RSS per held connection (KiB, after a forced collection on ours) and, for ours, the
// peak RSS growth while refusing a 1.1 MiB zlib bomb (MiB).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { Proxy } from "../mod.ts";
import { encodeMessage, Flags, MsgType } from "../protocol/mod.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PYTHON = `${ROOT}.venv/bin/python`;
const count = Number(process.argv[2] ?? 10000);
const KiB = 1024;
const MiB = 1 << 20;

const PY_DAEMON = `
import sys, Pyro5.api
Pyro5.config.SERVERTYPE = "multiplex"
@Pyro5.api.expose
class Echo:
    def echo(self, x): return x
d = Pyro5.api.Daemon(host="127.0.0.1", port=0)
print(d.register(Echo, "echo"), flush=True)
d.requestLoop()
`;

function status(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]) * KiB;
}

interface Child {
  child: ChildProcess;
  uri: string;
  /** The RSS, after a forced collection where the daemon can be asked for one. */
  rss(): Promise<number>;
}

async function start(cmd: string, args: string[], gcAsk: boolean): Promise<Child> {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const uri = String((await lines.next()).value);
  return {
    child,
    uri,
    async rss() {
      if (!gcAsk) return status(child.pid!, "VmRSS");
      child.stdin!.write("mem\n");
      await lines.next();
      return status(child.pid!, "VmRSS");
    },
  };
}

async function perConnection(d: Child): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  const before = await d.rss();
  const held: Proxy[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, () => new Proxy(d.uri));
    await Promise.all(batch.map((p) => p._pyroBind()));
    held.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = await d.rss();
  await Promise.all(held.map((p) => p._pyroRelease()));
  return (after - before) / held.length / KiB;
}

function self(script: string): [string, string[]] {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return [process.execPath, ["run", "-A", "--v8-flags=--expose-gc", script]];
  if ("Bun" in g) return [process.execPath, [script]];
  return [process.execPath, ["--expose-gc", script]];
}

const out: Record<string, number> = {};
const [cmd, args] = self(`${ROOT}tests/fixtures/hardening_daemon.ts`);
const ours = await start(cmd, [...args, "{}"], true);
try {
  out.idle_KiB_per_connection_ts = await perConnection(ours);
  // The bomb: CONNECT flagged compressed, 1.1 MiB of zlib stream inflating to 1100 MiB.
  const bomb = execFileSync(PYTHON, [`${ROOT}tests/fixtures/zlib_bomb.py`, "1100"], {
    maxBuffer: 64 * MiB,
  });
  const message = encodeMessage({
    type: MsgType.CONNECT,
    serializerId: 3,
    seq: 1,
    flags: Flags.COMPRESSED,
    payload: new Uint8Array(bomb),
  });
  const peakBefore = status(ours.child.pid!, "VmHWM");
  const port = Number(ours.uri.slice(ours.uri.lastIndexOf(":") + 1));
  await new Promise<void>((resolve) => {
    const s = net.createConnection({ host: "127.0.0.1", port }, () => s.write(message));
    s.on("data", () => {});
    s.on("error", () => {});
    s.on("close", () => resolve());
  });
  out.bomb_peak_growth_MiB_ts = (status(ours.child.pid!, "VmHWM") - peakBefore) / MiB;
} finally {
  ours.child.stdin!.end("quit\n");
}
const python = await start(PYTHON, ["-c", PY_DAEMON], false);
try {
  out.idle_KiB_per_connection_py = await perConnection(python);
} finally {
  python.child.kill("SIGTERM");
}
out.held_connections = count;
console.log(JSON.stringify(out));
process.exit(0);
