// deno-lint-ignore-file no-explicit-any
/** Shared helpers of the test suite. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import type { ConfigItems } from "../config.ts";
import { Daemon } from "../server.ts";
import { type RunningNameServer, startNS } from "../naming.ts";

/** Reads a golden vector file from tests/vectors/. */
export function loadVectors(name: string): any {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`./vectors/${name}`, import.meta.url)), "utf8"),
  );
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** The Python `repr` of bytes: `b'...'` with Python's escapes. */
export function pyBytes(b: Uint8Array): string {
  let s = "b'";
  for (const c of b) {
    if (c === 0x5c) s += "\\\\";
    else if (c === 0x27) s += "\\'";
    else if (c === 0x09) s += "\\t";
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += "\\x" + c.toString(16).padStart(2, "0");
  }
  return s + "'";
}

/** Splits bytes into chunks of `size`. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** A readable stream that yields the given chunks. */
export function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/** The command line that runs a TypeScript file on the runtime running this test. */
export function runtimeCommand(script: string): [string, string[]] {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return [process.execPath, ["run", "-A", script]];
  return [process.execPath, [script]];
}

/** A socket's flow control that only records what was asked of it: pause, resume, destroy. */
export function recordingFlow(): {
  calls: string[];
  pause(): void;
  resume(): void;
  destroy(): void;
} {
  const calls: string[] = [];
  return {
    calls,
    pause: () => void calls.push("pause"),
    resume: () => void calls.push("resume"),
    destroy: () => void calls.push("destroy"),
  };
}

/**
 * The default export of a dev dependency: on Deno through its `npm:` specifier (`load`, a
 * literal import so that Deno type-checks it; Deno keeps no node_modules here), on Bun and Node
 * from the toolchain's node_modules by name.
 */
export async function devDependency<T>(
  name: string,
  load: () => Promise<{ default: T }>,
): Promise<T> {
  if ("Deno" in globalThis) return (await load()).default;
  const byName: string = name; // not a literal: Deno's type check must not resolve it
  return ((await import(byName)) as { default: T }).default;
}

// Ports for programs that need a number (a Python daemon, a name server's broadcast port) come
// from below the kernel's ephemeral range (32768-60999 on Linux), so no port the kernel hands out
// by itself (a listener on port 0, an outgoing connection) can take one between our check and
// the program's bind: the race of "bind port 0, close, reuse the number". Test files run side by
// side (node --test runs each in its own process) reserve theirs with an exclusive lock file.
const PORT_RANGE = { first: 20000, last: 32000 };
const portLocks = join(tmpdir(), "pyro5-test-ports");
const heldPorts: string[] = [];
let nextPortTry = PORT_RANGE.first + (process.pid * 37) % (PORT_RANGE.last - PORT_RANGE.first);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** Takes the lock file of `port`, or of a port whose holder has exited; false if it is held. */
function reserve(port: number): boolean {
  const lock = join(portLocks, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      heldPorts.push(lock);
      return true;
    } catch {
      const holder = Number(readFileSync(lock, "utf8") || "0");
      if (holder && alive(holder)) return false;
      rmSync(lock, { force: true }); // left by a run that ended
    }
  }
  return false;
}

function bindsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => {
      server.close(() => {
        const udp = createSocket("udp4");
        udp.once("error", () => resolve(false));
        udp.bind(port, "127.0.0.1", () => udp.close(() => resolve(true)));
      });
    });
  });
}

/**
 * A port, free on 127.0.0.1 for TCP and UDP, that no other test of this run is given and that
 * the kernel will not hand out by itself: for programs that need a port number.
 */
export async function freePort(): Promise<number> {
  if (heldPorts.length === 0) {
    mkdirSync(portLocks, { recursive: true });
    process.once("exit", () => heldPorts.forEach((lock) => rmSync(lock, { force: true })));
  }
  const span = PORT_RANGE.last - PORT_RANGE.first;
  for (let i = 0; i < span; i++) {
    const port = PORT_RANGE.first + (nextPortTry++ - PORT_RANGE.first) % span;
    if (reserve(port) && await bindsFree(port)) return port;
  }
  throw new Error(`no free port in ${PORT_RANGE.first}-${PORT_RANGE.last}`);
}

let socketFolder: string | null = null;

/**
 * A Unix socket path no other test or earlier run uses: in a folder of this process's own,
 * removed at exit. (A path named by the pid alone can meet a socket file that a killed Python
 * daemon of an earlier run left behind, once the pid comes round again: EADDRINUSE.)
 */
export function socketPath(label: string): string {
  if (socketFolder === null) {
    const folder = mkdtempSync(join(tmpdir(), "pyro5-sock-"));
    socketFolder = folder;
    const remove = () => rmSync(folder, { recursive: true, force: true });
    process.once("exit", remove);
    // Deno's test runner ends without node's exit event, but with the web's unload.
    globalThis.addEventListener?.("unload", remove);
  }
  return join(socketFolder, `${label}.sock`);
}

/**
 * A seeded random source (mulberry32) in [0, 1): the same values on every run, so a failure
 * found by random input can be run again.
 */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `fn` throws an instance of `errorClass` whose message matches `pattern`. */
export function rejects(
  fn: () => unknown,
  errorClass: abstract new (...args: never[]) => Error,
  pattern: RegExp,
  what = String(pattern),
): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof errorClass, `${what}: not a ${errorClass.name}: ${e}`);
    assert.match(e.message, pattern, what);
    return true;
  });
}

/** A daemon on 127.0.0.1 and a free port, with `config` items of its own. */
export function loopbackDaemon(config: Partial<ConfigItems> = {}): Promise<Daemon> {
  return Daemon.create({ host: "127.0.0.1", port: 0, config });
}

/** A name server on 127.0.0.1 and a free port that answers broadcasts on 127.0.0.1:`bcport`. */
export function broadcastingNS(
  bcport: number,
  config: Partial<ConfigItems> = {},
): Promise<RunningNameServer> {
  return startNS({
    host: "127.0.0.1",
    port: 0,
    enableBroadcast: true,
    bcHost: "127.0.0.1",
    bcPort: bcport,
    config,
  });
}

/** Waits for `condition` to hold, polling; a generous bound (10 s) catches a hang. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error("until: the condition never held");
}

/** The chunks joined into one array. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
