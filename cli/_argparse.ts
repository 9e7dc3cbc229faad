// The command-line tools' flags, read with node:util's parseArgs and reported in the words of
// Python's argparse, which Pyro5's tools use. The flags are read from the tool's help text, so
// the help and the parser cannot disagree, and the help, error and number handling is written once.
import { parseArgs } from "node:util";

/** What a tool needs of its command line: the flags, the other words, and argparse's refusal. */
export interface CommandLine {
  /** The words that are not flags (empty unless the tool allows them). */
  positionals: string[];
  /** Whether a flag without a value (`-v, --verbose`) was given, by its long name. */
  has(flag: string): boolean;
  /** A flag's value, by its long name; `fallback` when it was not given. */
  text<F extends string | undefined = undefined>(flag: string, fallback?: F): string | F;
  /** A flag's whole-number value; `fallback` when it was not given. */
  int<F extends number | null | undefined>(flag: string, fallback: F): number | F;
  /** A flag's number value (a float); `fallback` when it was not given. */
  float<F extends number | undefined>(flag: string, fallback: F): number | F;
  /** Prints the usage and `prog: error: reason` to stderr, and exits with `code` (2, as argparse). */
  fail(reason: string, code?: number): never;
}

/** How a tool describes its command line. */
export interface CommandSpec {
  /** The tool's name, as argparse's `prog`. */
  prog: string;
  /**
   * The whole help text, in argparse's layout: each flag on a line of its own that starts with two
   * spaces, `-x, --long`, `-x VALUE, --long VALUE` or `--long VALUE` (a flag with a metavar takes a
   * value). `-h`/`--help` prints it and exits 0.
   */
  usage: string;
  /** Whether words other than flags are allowed. */
  positionals?: boolean;
  /** On an error, print only the usage lines (argparse's way) rather than the whole help. */
  shortUsage?: boolean;
}

type FlagTable = Record<string, { type: "string" | "boolean"; short?: string }>;

const FLAG_LINE = /^ {2}(?:-(\w)(?: [A-Z_]+)?, )?--([\w-]+)( [A-Z_]+)?/;

/** The parseArgs option table described by a help text, and each flag's name for errors. */
function flagsOf(usage: string): [FlagTable, Map<string, string>] {
  const table: FlagTable = {};
  const names = new Map<string, string>();
  for (const line of usage.split("\n")) {
    const m = FLAG_LINE.exec(line);
    if (!m) continue;
    const [, short, long, metavar] = m as unknown as [string, string | undefined, string, string?];
    table[long] = { type: metavar ? "string" : "boolean", ...(short ? { short } : {}) };
    names.set(long, short ? `-${short}/--${long}` : `--${long}`);
  }
  return [table, names];
}

/** The reason to print after `prog: error: ` for an error thrown by `parseArgs`. */
function argparseReason(error: unknown): string {
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

/**
 * Reads `argv` against the flags of the tool's help text. `-h`/`--help` prints the help and exits
 * 0; a flag the tool does not know, or one without its value, prints argparse's error and exits 2.
 */
export function parseCommandLine(spec: CommandSpec, argv: string[]): CommandLine {
  const usageLines = spec.shortUsage === false
    ? spec.usage
    : spec.usage.slice(0, spec.usage.indexOf("\n\n"));
  const fail = (reason: string, code = 2): never => {
    console.error(usageLines);
    console.error(`${spec.prog}: error: ${reason}`);
    process.exit(code);
  };
  const [options, names] = flagsOf(spec.usage);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: spec.positionals ?? false });
  } catch (e) {
    return fail(argparseReason(e));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    console.log(spec.usage);
    process.exit(0);
  }
  const text = (flag: string): string | undefined => {
    if (options[flag]?.type !== "string") throw new Error(`${spec.prog}: no flag --${flag} VALUE`);
    return values[flag] as string | undefined;
  };
  const number = (flag: string, integer: boolean): number | undefined => {
    const given = text(flag);
    if (given === undefined) return undefined;
    const value = Number(given);
    const bad = integer ? !/^\d+$/.test(given) : given.trim() === "" || !Number.isFinite(value);
    if (bad) {
      fail(`argument ${names.get(flag)}: invalid ${integer ? "int" : "float"} value: '${given}'`);
    }
    return value;
  };
  return {
    positionals: parsed.positionals,
    has(flag) {
      if (options[flag]?.type !== "boolean") throw new Error(`${spec.prog}: no flag --${flag}`);
      return values[flag] === true;
    },
    text: <F extends string | undefined>(flag: string, fallback?: F) =>
      text(flag) ?? (fallback as F),
    int: (flag, fallback) => number(flag, true) ?? fallback,
    float: (flag, fallback) => number(flag, false) ?? fallback,
    fail,
  };
}
