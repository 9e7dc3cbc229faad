/** Helpers of the hardening tests: a daemon in a child process, raw sockets, bounded waits. */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { Proxy } from "../client.ts";

/** A daemon running in a child process (tests/fixtures/hardening_daemon.ts). */
export interface ChildDaemon {
  uri: string;
  port: number;
  /** Sends a command line and returns the answer line. */
  ask(command: string): Promise<string>;
  close(): Promise<void>;
}

/** The runtime's own command and the flags that let the child force a garbage collection. */
function childCommand(script: string): [string, string[]] {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return [process.execPath, ["run", "-A", "--v8-flags=--expose-gc", script]];
  if ("Bun" in g) return [process.execPath, [script]];
  return [process.execPath, ["--expose-gc", script]];
}

/**
 * Starts a daemon in a child process.
 *
 * @param config config items for the daemon
 * @param options `maxFiles`: the child's descriptor limit (ulimit -n)
 */
export async function startChildDaemon(
  config: Record<string, unknown> = {},
  options: { maxFiles?: number } = {},
): Promise<ChildDaemon> {
  const script = fileURLToPath(new URL("./fixtures/hardening_daemon.ts", import.meta.url));
  const [cmd, args] = childCommand(script);
  const all = [cmd, ...args, JSON.stringify(config)];
  const child: ChildProcess = options.maxFiles
    ? spawn("bash", ["-c", `ulimit -n ${options.maxFiles} && exec "$@"`, "bash", ...all], {
      stdio: ["pipe", "pipe", "inherit"],
    })
    : spawn(all[0], all.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("child daemon did not answer")), 30_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const first = next();
  const uri = await Promise.race([
    first,
    exited.then(() => {
      throw new Error("child daemon exited");
    }),
  ]);
  return {
    uri,
    port: Number(uri.slice(uri.lastIndexOf(":") + 1)),
    ask(command) {
      const answer = next();
      child.stdin!.write(command + "\n");
      return answer;
    },
    async close() {
      child.stdin!.end("quit\n");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      lines.close();
    },
  };
}

/** Opens a raw TCP connection to 127.0.0.1:port; resolves once connected. */
export function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: "127.0.0.1", port }, () => {
      s.off("error", reject);
      s.on("error", () => {});
      resolve(s);
    });
    s.once("error", reject);
  });
}

/** Resolves with `p`, or rejects once `ms` pass: a generous bound that only catches a hang. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A fresh client makes one call and goes: the daemon still serves well-behaved clients. */
export async function servesNewClient(uri: string, ms = 5000): Promise<void> {
  const p = new Proxy(uri);
  try {
    const value = await within(p.echo("still serving") as Promise<unknown>, ms, "new client");
    if (value !== "still serving") throw new Error(`unexpected answer ${value}`);
  } finally {
    await p._pyroRelease();
  }
}
