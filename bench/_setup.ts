// What the benchmark scripts share: the paths, the --seconds option, and the child processes
// they start (name servers, daemons, gateways), each ready once it prints its marker line.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));
/** The Python with Pyro5 (override with PYRO5_PYTHON). */
export const PYTHON: string = process.env.PYRO5_PYTHON ?? `${ROOT}.venv/bin/python`;
/** The runtime running the benchmark. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** Seconds per figure: `--seconds N` (default 3). */
export function secondsOption(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { seconds: { type: "string", default: "3" } },
    strict: false, // a benchmark's own options pass
  });
  return Number(values.seconds);
}

const children: ChildProcess[] = [];

/**
 * Starts `cmd args` and resolves with the rest of its first stdout line that holds `marker`.
 * Its stderr is ignored: Python's gateway logs every request there.
 */
export function startChild(
  cmd: string,
  args: string[],
  marker: string,
  env: Record<string, string> = {},
): Promise<string> {
  const child = spawn(cmd, args, {
    stdio: ["pipe", "pipe", "ignore"],
    env: { ...process.env, ...env },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes(marker)) resolve(line.slice(line.indexOf(marker) + marker.length).trim());
    });
  });
}

/** Stops every child started. */
export function stopChildren(): void {
  for (const c of children) c.kill("SIGTERM");
}
