/**
 * Appends log lines to a file (`PYRO_LOGFILE`). Runtime glue kept out of
 * the core: `node:fs` works the same on Deno, Bun and Node.
 *
 * @module
 */
import type * as fsTypes from "node:fs";
import { builtin } from "./builtin.ts";

// Loaded when a log file is first opened: importing the logger loads no runtime module.
const fs = builtin<typeof fsTypes>("node:fs");

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
  const { appendFileSync } = fs();
  return (line) => appendFileSync(path, line + "\n");
}
