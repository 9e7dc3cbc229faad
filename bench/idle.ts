// Idle connections and a compression bomb, on our daemon (in a child process on this runtime) and
// on Python Pyro5's (multiplex server: its thread server would need a thread per connection):
// `idle.ts [count] [idle seconds]` holds <count> handshaken connections on each and prints JSON
// with the daemon's RSS per held connection in KiB: 1 s after the last one came (after a forced
// collection where the daemon allows one), and the least it falls to while it idles for
// <idle seconds> (default 60): V8 gives back a young generation grown during the
// handshakes only when a process has been idle a while (its memory reducer). Beside them the
// runtime's own floor: as many bare sockets, held the way our adapter holds them, each after
// 100 bytes went there and back as a handshake does, no Pyro in them (bench/idle_floor.ts); our
// share is the difference. Last, for ours, the peak RSS growth while refusing a 1.1 MiB zlib
// bomb (MiB).
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
const idleSeconds = Number(process.argv[3] ?? 60);
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
  /** Its first line of output: a URI, or the floor's port. */
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

/** KiB of RSS per held connection, 1 s after the last came and after `idleSeconds` more. */
async function perConnection(
  d: Child,
  hold: () => Promise<() => Promise<void>>,
): Promise<[number, number]> {
  await new Promise((r) => setTimeout(r, 300));
  const before = await d.rss();
  const releases: (() => Promise<void>)[] = [];
  for (let i = 0; i < count; i += 200) {
    releases.push(...await Promise.all(Array.from({ length: Math.min(200, count - i) }, hold)));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const soon = await d.rss();
  // Then the RSS as the process idles, untouched (a forced collection would restart V8's memory
  // reducer's wait), every 5 s for idleSeconds: the least of them. On Deno it fell after 30-40 s.
  const readings = [soon];
  for (let waited = 0; waited < idleSeconds; waited += 5) {
    await new Promise((r) => setTimeout(r, 5000));
    readings.push(status(d.child.pid!, "VmRSS"));
  }
  const later = Math.min(...readings);
  console.error(
    `idle.ts: KiB per connection as it idles: ${
      readings.map((x) => ((x - before) / count / KiB).toFixed(1)).join(" ")
    }`,
  );
  await Promise.all(releases.map((release) => release()));
  return [(soon - before) / count / KiB, (later - before) / count / KiB];
}

/** Holds a handshaken proxy connection to a daemon. */
function proxyOn(uri: string): () => Promise<() => Promise<void>> {
  return async () => {
    const proxy = new Proxy(uri);
    await proxy._pyroBind();
    return () => proxy._pyroRelease();
  };
}

/** Holds a bare TCP connection to the floor's listener, once 100 bytes went there and back. */
function socketOn(port: number): () => Promise<() => Promise<void>> {
  return () =>
    new Promise((resolve, reject) => {
      const s = net.createConnection({ host: "127.0.0.1", port }, () => s.write(hello));
      s.once("data", () =>
        resolve(() => {
          s.destroy();
          return Promise.resolve();
        }));
      s.once("error", reject);
    });
}
const hello = new Uint8Array(100);

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
  [out.idle_KiB_per_connection_ts, out.idle_KiB_per_connection_ts_idled] = await perConnection(
    ours,
    proxyOn(ours.uri),
  );
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
const [fcmd, fargs] = self(`${ROOT}bench/idle_floor.ts`);
const floor = await start(fcmd, fargs, true);
try {
  [out.idle_KiB_per_connection_floor, out.idle_KiB_per_connection_floor_idled] =
    await perConnection(floor, socketOn(Number(floor.uri)));
} finally {
  floor.child.stdin!.end("quit\n");
}
out.idle_KiB_per_connection_ours = out.idle_KiB_per_connection_ts -
  out.idle_KiB_per_connection_floor;
out.idle_KiB_per_connection_ours_idled = out.idle_KiB_per_connection_ts_idled -
  out.idle_KiB_per_connection_floor_idled;
const python = await start(PYTHON, ["-c", PY_DAEMON], false);
try {
  [out.idle_KiB_per_connection_py, out.idle_KiB_per_connection_py_idled] = await perConnection(
    python,
    proxyOn(python.uri),
  );
} finally {
  python.child.kill("SIGTERM");
}
out.held_connections = count;
out.idle_seconds = idleSeconds;
console.log(JSON.stringify(out));
process.exit(0);
