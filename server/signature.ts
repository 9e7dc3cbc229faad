/**
 * Python's calling convention for JavaScript methods: keyword arguments bound
 * to parameters by name, with the `TypeError`s (and their wording) that
 * CPython gives for a wrong call. Python: what `method(*vargs, **kwargs)` does
 * in `Pyro5.server.Daemon.handleRequest`.
 *
 * A method's parameter names come from a declaration made with `expose`
 * (`"echo(message)"`), or else from the method's own parameter list, read once
 * from its source text. Plain names and names with defaults are read; a list
 * that destructures (`f({ a, b })`) is not guessed at: such a method takes
 * positional arguments only, unless a declaration names its parameters.
 *
 * @module
 */
import { asPythonError } from "../errors.ts";

/** What a method takes, in Python's terms. */
export interface Signature {
  /** The named parameters, in order. */
  readonly params: readonly string[];
  /** How many of the leading parameters must be given (only declarations require any). */
  readonly required: number;
  /** A rest parameter takes extra positional arguments (Python `*args`). */
  readonly rest: boolean;
  /**
   * The name of the parameter that takes the keyword arguments matching no
   * parameter (Python `**kwargs`), or null. Its object is passed right after
   * the named parameters, before any extra positional arguments.
   */
  readonly kwargs: string | null;
  /** False when the parameter list could not be read (destructuring, native code). */
  readonly known: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const UNKNOWN: Signature = { params: [], required: 0, rest: true, kwargs: null, known: false };
const parsedSources = new WeakMap<object, Signature>();

/**
 * Parses a declared signature: `"name(a, b?, ...rest, **options)"`, or without the name in the
 * decorator form. A name without `?` is required; `...rest` takes extra positional arguments;
 * `**options` receives the keyword arguments that match no parameter.
 *
 * @param text the declaration
 * @returns the member name ("" when not given) and its signature
 * @throws {TypeError} when the declaration is malformed
 */
export function parseDeclaration(text: string): { name: string; signature: Signature } {
  const m = /^\s*([A-Za-z_$][\w$]*)?\s*\(([^()]*)\)\s*$/.exec(text);
  if (!m) {
    throw new TypeError(
      `invalid signature ${JSON.stringify(text)}: expected "name(a, b?, ...rest, **kwargs)"`,
    );
  }
  const params: string[] = [];
  let required = 0;
  let optionalSeen = false;
  let rest = false;
  let kwargs: string | null = null;
  const fail = (why: string): never => {
    throw new TypeError(`invalid signature ${JSON.stringify(text)}: ${why}`);
  };
  for (const raw of m[2].split(",")) {
    const part = raw.trim();
    if (part === "") {
      if (raw === m[2] && params.length === 0) continue; // "()"
      fail("empty parameter");
    }
    if (kwargs !== null) fail("**kwargs must come last");
    if (part.startsWith("**")) {
      kwargs = part.slice(2).trim();
      if (!IDENTIFIER.test(kwargs)) fail(`bad name ${JSON.stringify(kwargs)}`);
      continue;
    }
    if (rest) fail("only **kwargs may follow ...rest");
    if (part.startsWith("...")) {
      if (!IDENTIFIER.test(part.slice(3).trim())) fail(`bad rest parameter ${part}`);
      rest = true;
      continue;
    }
    const optional = part.endsWith("?");
    const name = optional ? part.slice(0, -1).trim() : part;
    if (!IDENTIFIER.test(name)) fail(`bad name ${JSON.stringify(name)}`);
    if (params.includes(name) || name === kwargs) fail(`duplicate parameter ${name}`);
    if (optional) optionalSeen = true;
    else if (optionalSeen) fail(`required parameter ${name} follows an optional one`);
    else required++;
    params.push(name);
  }
  return { name: m[1] ?? "", signature: { params, required, rest, kwargs, known: true } };
}

/**
 * The signature of a function as its own parameter list says: every named parameter optional
 * (JavaScript passes `undefined` for a missing one), no `**kwargs`. Read once per function.
 *
 * @param fn the method
 * @returns its signature; `known: false` when the list destructures or cannot be read
 */
export function signatureFromSource(fn: (...args: never[]) => unknown): Signature {
  let signature = parsedSources.get(fn);
  if (!signature) parsedSources.set(fn, signature = parseSource(fn));
  return signature;
}

function parseSource(fn: (...args: never[]) => unknown): Signature {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return UNKNOWN;
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) return UNKNOWN;
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return { params: [arrow[1]], required: 0, rest: false, kwargs: null, known: true };
  const list = parameterList(source);
  if (list === null) return UNKNOWN;
  const params: string[] = [];
  let rest = false;
  for (const raw of list) {
    const part = raw.trim();
    if (part === "") continue; // a trailing comma
    if (part.startsWith("...")) {
      rest = true;
      continue;
    }
    const name = /^[A-Za-z_$][\w$]*/.exec(part)?.[0];
    if (!name) return UNKNOWN; // destructuring: refuse to guess
    params.push(name);
  }
  return { params, required: 0, rest, kwargs: null, known: true };
}

/**
 * The text of each parameter of the first parameter list in `source`, comments removed, or
 * null when there is none. Strings, template literals, regular expressions and nested
 * brackets in default values are skipped over.
 */
function parameterList(source: string): string[] | null {
  let depth = 0; // brackets inside the list
  let inList = false;
  let preBracket = 0; // [computed] names before the list
  let current = "";
  const params: string[] = [];
  let lastSignificant = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    // Comments are dropped.
    if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end === -1 ? source.length : end;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      if (end === -1) return null;
      i = end + 1;
      continue;
    }
    if (
      c === '"' || c === "'" || c === "`" ||
      (c === "/" && inList && "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant))
    ) {
      const end = skipQuoted(source, i);
      if (end === -1) return null;
      if (inList) current += source.slice(i, end + 1);
      i = end;
      lastSignificant = c;
      continue;
    }
    if (!/\s/.test(c)) lastSignificant = c;
    if (!inList) {
      if (c === "[") preBracket++;
      else if (c === "]") preBracket--;
      else if (c === "(" && preBracket === 0) {
        inList = true;
        lastSignificant = "(";
      } else if (c === "{" || c === "=") return null; // a body or arrow before any list
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        params.push(current);
        return params;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      params.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  return null;
}

/** The index of the character closing the string, template or regex opened at `start`. */
function skipQuoted(source: string, start: number): number {
  const quote = source[start];
  let inClass = false;
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (quote === "`" && c === "$" && source[i + 1] === "{") {
      // A substitution: skip to its closing brace, nested strings included.
      let depth = 1;
      for (i += 2; i < source.length && depth > 0; i++) {
        const d = source[i];
        if (d === '"' || d === "'" || d === "`") {
          i = skipQuoted(source, i);
          if (i === -1) return -1;
        } else if (d === "{") depth++;
        else if (d === "}") depth--;
      }
      i--;
      continue;
    }
    if (quote === "/") {
      if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) return i;
      else if (c === "\n") return -1;
      continue;
    }
    if (c === quote) return i;
  }
  return -1;
}

function pyTypeError(message: string): TypeError {
  return asPythonError(new TypeError(message), "builtins.TypeError");
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: CPython's list of missing names. */
function nameList(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length === 1) return quoted[0];
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}`;
}

function hasKeys(kwargs: Record<string, unknown> | null): boolean {
  if (kwargs) { for (const _ in kwargs) return true; }
  return false;
}

/**
 * True for the common call that needs no binding: positional arguments only, as many as the
 * parameter list takes, and no `**kwargs` to collect. The arguments then pass as they are.
 *
 * @param signature the method's signature
 * @param vargs the positional arguments
 * @param kwargs the keyword arguments, or null
 * @returns whether `vargs` can be applied unchanged
 */
export function passesAsIs(
  signature: Signature,
  vargs: readonly unknown[],
  kwargs: Record<string, unknown> | null,
): boolean {
  return signature.kwargs === null && vargs.length >= signature.required &&
    (vargs.length <= signature.params.length || signature.rest) && !hasKeys(kwargs);
}

/**
 * Binds a call's positional and keyword arguments to a method's parameters, as Python does,
 * and returns the arguments to apply the JavaScript function to.
 *
 * @param qualname the method's name in errors, as Python's `Class.method`
 * @param signature the method's signature
 * @param vargs the positional arguments
 * @param kwargs the keyword arguments, or null
 * @returns the argument list
 * @throws {TypeError} with CPython's wording: an unexpected keyword argument, one given twice,
 *   too many positional arguments, a missing required one
 */
export function bindArguments(
  qualname: string,
  signature: Signature,
  vargs: readonly unknown[],
  kwargs: Record<string, unknown> | null,
): unknown[] {
  if (passesAsIs(signature, vargs, kwargs)) return vargs as unknown[];
  const hasKwargs = hasKeys(kwargs);
  const { params, rest } = signature;
  if (!signature.known) {
    if (hasKwargs) {
      throw pyTypeError(
        `${qualname}() cannot take keyword arguments: its parameter list is not plain names ` +
          `(declare its parameters with expose, e.g. "name(a, b)")`,
      );
    }
    return vargs as unknown[];
  }
  const args: unknown[] = new Array(params.length).fill(undefined);
  const positional = Math.min(vargs.length, params.length);
  for (let i = 0; i < positional; i++) args[i] = vargs[i];
  const extra: Record<string, unknown> = {};
  if (hasKwargs) {
    for (const key of Object.keys(kwargs!)) {
      const index = params.indexOf(key);
      if (index === -1) {
        if (signature.kwargs === null) {
          throw pyTypeError(`${qualname}() got an unexpected keyword argument '${key}'`);
        }
        extra[key] = kwargs![key];
      } else if (index < positional) {
        throw pyTypeError(`${qualname}() got multiple values for argument '${key}'`);
      } else {
        args[index] = kwargs![key];
      }
    }
  }
  if (vargs.length > params.length && !rest) {
    // Python counts self, so a method with n parameters "takes n+1".
    const most = params.length + 1;
    const least = signature.required + 1;
    const takes = least === most
      ? `${most} positional argument${most === 1 ? "" : "s"}`
      : `from ${least} to ${most} positional arguments`;
    const given = vargs.length + 1;
    throw pyTypeError(
      `${qualname}() takes ${takes} but ${given} ${given === 1 ? "was" : "were"} given`,
    );
  }
  const missing: string[] = [];
  for (let i = vargs.length; i < signature.required; i++) {
    if (!(hasKwargs && Object.hasOwn(kwargs!, params[i]))) missing.push(params[i]);
  }
  if (missing.length > 0) {
    throw pyTypeError(
      `${qualname}() missing ${missing.length} required positional argument${
        missing.length === 1 ? "" : "s"
      }: ${nameList(missing)}`,
    );
  }
  if (signature.kwargs !== null) args.push(extra);
  if (vargs.length > params.length) {
    for (let i = params.length; i < vargs.length; i++) args.push(vargs[i]);
  }
  return args;
}
