// The Python that the examples start as a child process: PYRO5_PYTHON, else the project's
// .venv (where the test command installs Pyro5), else `python3` from PATH.
import { existsSync } from "node:fs";

/** The command and arguments that run a Python script. */
export function pythonCommand(args: string[]): [string, string[]] {
  const venv = new URL("../.venv/bin/python", import.meta.url).pathname;
  const python = process.env.PYRO5_PYTHON ?? (existsSync(venv) ? venv : "python3");
  return [python, args];
}
