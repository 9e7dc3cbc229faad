// Errors of node:util's parseArgs in the words of Python's argparse, which Pyro5's tools use.

/** The reason to print after `prog: error: ` for an error thrown by `parseArgs`. */
export function argparseReason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const option = /'([^']+)'/.exec(e.message ?? "")?.[1];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) {
    return `unrecognized arguments: ${option}`;
  }
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    const names = option.replace(/ <value>$/, "").split(", ").join("/");
    return `argument ${names}: expected one argument`;
  }
  if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && option) {
    return `unrecognized arguments: ${option}`;
  }
  return e.message ?? String(error);
}
