// The child processes a benchmark starts (name servers, daemons, gateways), each ready once it
// prints its marker line, and all stopped at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

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
