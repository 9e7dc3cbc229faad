/**
 * Appends log lines to a file (`PYRO_LOGFILE`). Runtime glue kept out of
 * the core: `node:fs` works the same on Deno, Bun and Node.
 *
 * @module
 */
import { appendFileSync } from "node:fs";

/**
 * A function that appends one line to `path`.
 *
 * @param path the log file
 * @returns the line writer
 * @example
 * ```ts
 * import { fileLineSink } from "./log_file.ts";
 * fileLineSink("/tmp/pyro5.log")("[hello]");
 * ```
 */
export function fileLineSink(path: string): (line: string) => void {
  return (line) => appendFileSync(path, line + "\n");
}
