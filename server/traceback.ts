/**
 * Python-style traceback lines for JavaScript errors, sent as
 * `_pyroTraceback` so that Python's `get_pyro_traceback()` prints them.
 *
 * @module
 */
import { pythonClassOf } from "../serializers/registry.ts";
import { formatArgs } from "../errors.ts";

// "    at fn (file:///path/x.ts:12:5)" or "    at file:///path/x.ts:12:5"
const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):\d+\)?$/;

/**
 * The traceback of an error as Python prints one: a header, one `File` line
 * per stack frame (outermost first), and the exception line.
 *
 * @param error the error
 * @param detailed add the JavaScript stack text as well (`DETAILED_TRACEBACK`)
 * @returns lines, each ending in a newline
 * @example
 * ```ts
 * import { pythonTraceback } from "@pyro5/pyro5";
 * pythonTraceback(new RangeError("no")).at(-1); // "ValueError: no\n"
 * ```
 */
export function pythonTraceback(error: unknown, detailed = false): string[] {
  if (!(error instanceof Error)) {
    return ["Traceback (most recent call last):\n", `Exception: ${String(error)}\n`];
  }
  const remote = (error as { _pyroTraceback?: unknown })._pyroTraceback;
  if (Array.isArray(remote) && remote.length > 0) return remote.map(String);
  const lines = ["Traceback (most recent call last):\n"];
  const frames = (error.stack ?? "").split("\n").slice(1).map((l) => FRAME.exec(l)).filter((m) =>
    m !== null
  );
  for (const m of frames.reverse()) {
    const file = m![2].replace(/^file:\/\//, "");
    lines.push(`  File "${file}", line ${m![3]}, in ${m![1] || "<module>"}\n`);
  }
  const pythonClass = pythonClassOf(error);
  // As Python's traceback module: a class outside builtins and __main__ is named with its module.
  const short = /^(builtins|__main__)\./.test(pythonClass)
    ? pythonClass.slice(pythonClass.lastIndexOf(".") + 1)
    : pythonClass;
  const args = (error as { args?: unknown }).args;
  const message = Array.isArray(args) ? formatArgs(args) : error.message;
  const shown = short === "Exception" && error.name !== "Error"
    ? `${error.name}: ${message}`
    : message;
  lines.push(shown ? `${short}: ${shown}\n` : `${short}\n`);
  if (detailed && error.stack) lines.push(`\nJavaScript stack:\n${error.stack}\n`);
  return lines;
}
