/**
 * The class registry: how objects that no format carries natively become
 * Pyro's `__class__` dicts, and how such dicts become objects again.
 * Python: `register_class_to_dict` / `register_dict_to_class` in `Pyro5.api`.
 *
 * One registry per process, as in Pyro5: both sides of a conversation just
 * have to agree on the dict shape.
 *
 * @module
 */
import {
  AttributeError,
  formatArgs,
  PyroError,
  pyroErrorClasses,
  RemoteError,
  SerializeError,
} from "../errors.ts";
import { URI } from "../uri.ts";
import { tuple } from "./types.ts";

/** Turns an object into a dict that should contain a `__class__` key. */
// deno-lint-ignore no-explicit-any
export type ClassToDict = (obj: any) => Record<string, unknown>;
/** Rebuilds an object from a dict carrying `__class__: className`. */
export type DictToClass = (className: string, dict: Record<string, unknown>) => unknown;

// deno-lint-ignore ban-types
const classToDictRegistry = new Map<Function, ClassToDict>();
const dictToClassRegistry = new Map<string, DictToClass>();

/**
 * Makes instances of `cls` (and of its subclasses) serialize as `converter(obj)`.
 * Python: `Pyro5.api.register_class_to_dict`.
 *
 * @param cls the class
 * @param converter returns the dict to send; include a `__class__` key the peer knows
 * @example
 * ```ts
 * import { registerClassToDict } from "@pyro5/pyro5";
 * class Point { constructor(public x = 0, public y = 0) {} }
 * registerClassToDict(Point, (p) => ({ __class__: "geo.Point", x: p.x, y: p.y }));
 * ```
 */
// deno-lint-ignore ban-types
export function registerClassToDict(cls: Function, converter: ClassToDict): void {
  if (typeof cls !== "function") throw new TypeError("registerClassToDict needs a class");
  if (typeof converter !== "function") {
    throw new TypeError("registerClassToDict needs a converter function");
  }
  classToDictRegistry.set(cls, converter);
}

/** Removes a converter registered with {@linkcode registerClassToDict}. */
// deno-lint-ignore ban-types
export function unregisterClassToDict(cls: Function): void {
  classToDictRegistry.delete(cls);
}

/**
 * Makes received dicts whose `__class__` is `className` become `converter(className, dict)`.
 * Python: `Pyro5.api.register_dict_to_class`.
 *
 * @param className the `__class__` value, e.g. `geo.Point`
 * @param converter builds the object
 * @example
 * ```ts
 * import { registerDictToClass } from "@pyro5/pyro5";
 * registerDictToClass("geo.Point", (_name, d) => ({ x: d.x, y: d.y }));
 * ```
 */
export function registerDictToClass(className: string, converter: DictToClass): void {
  if (typeof className !== "string") {
    throw new TypeError("registerDictToClass needs a class name string");
  }
  if (typeof converter !== "function") {
    throw new TypeError("registerDictToClass needs a converter function");
  }
  dictToClassRegistry.set(className, converter);
}

/** Removes a converter registered with {@linkcode registerDictToClass}. */
export function unregisterDictToClass(className: string): void {
  dictToClassRegistry.delete(className);
}

/**
 * A failed call inside a batch result. Python: `Pyro5.core._ExceptionWrapper`.
 */
export class ExceptionWrapper {
  /** The error the call raised. */
  readonly exception: Error;
  /**
   * Creates an instance.
   * @param exception the wrapped error
   */
  constructor(exception: Error) {
    this.exception = exception;
  }
}

/** The Python class names JavaScript's built-in errors travel under. */
const builtinErrorNames: Record<string, string> = {
  Error: "builtins.Exception",
  TypeError: "builtins.TypeError",
  RangeError: "builtins.ValueError",
  SyntaxError: "builtins.SyntaxError",
  ReferenceError: "builtins.NameError",
  EvalError: "builtins.RuntimeError",
  URIError: "builtins.ValueError",
  AggregateError: "builtins.Exception",
};

/**
 * The Python class name an error travels under: its own `pythonClass`, a Pyro
 * error's `Pyro5.errors` name, or the nearest Python built-in.
 */
export function pythonClassOf(error: Error): string {
  const own = (error as { pythonClass?: unknown }).pythonClass;
  if (typeof own === "string" && own) return own;
  if (error instanceof PyroError) {
    for (let c = error.constructor; c && c !== Error; c = Object.getPrototypeOf(c)) {
      if (pyroErrorClasses[c.name] === c) return `Pyro5.errors.${c.name}`;
    }
  }
  return builtinErrorNames[error.constructor?.name] ?? builtinErrorNames[error.name] ??
    "builtins.Exception";
}

const ERROR_OWN_SKIP = new Set([
  "name",
  "message",
  "stack",
  "cause",
  "args",
  "pythonClass",
  "attributes",
  "_pyroTraceback",
]);

/**
 * Pyro's exception dict for an error:
 * `{__class__, __exception__: true, args, attributes}`.
 */
export function errorToDict(error: Error): Record<string, unknown> {
  const pythonClass = pythonClassOf(error);
  let args: unknown[];
  if (error instanceof RemoteError) args = error.args;
  else if (pythonClass === "builtins.Exception" && error.constructor !== Error) {
    // A class Python does not know: keep the JavaScript name in the message.
    args = [`${error.name}: ${error.message}`];
  } else args = error.message === "" ? [] : [error.message];
  const attributes: Record<string, unknown> = {};
  const source = error instanceof RemoteError ? error.attributes : error;
  for (const key of Object.keys(source)) {
    if (!ERROR_OWN_SKIP.has(key)) {
      attributes[key] = (source as unknown as Record<string, unknown>)[key];
    }
  }
  if ((error as { _pyroTraceback?: unknown })._pyroTraceback !== undefined) {
    attributes._pyroTraceback = (error as { _pyroTraceback?: unknown })._pyroTraceback;
  }
  return { __class__: pythonClass, __exception__: true, args: tuple(...args), attributes };
}

/**
 * The dict an object travels as when no format carries it natively: a
 * registered converter's result, Pyro's URI and exception dicts, or (as Pyro5
 * does for unregistered classes) the own enumerable fields plus `__class__`.
 */
export function classToDict(obj: object): Record<string, unknown> {
  for (
    let proto = Object.getPrototypeOf(obj);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const converter = classToDictRegistry.get(proto.constructor);
    if (converter) return converter(obj);
  }
  if (obj instanceof URI) return { __class__: "Pyro5.core.URI", state: tuple(...obj.state) };
  if (obj instanceof ExceptionWrapper) {
    return { __class__: "Pyro5.core._ExceptionWrapper", exception: errorToDict(obj.exception) };
  }
  if (obj instanceof Error) return errorToDict(obj);
  const dict: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) dict[key] = (obj as Record<string, unknown>)[key];
  dict.__class__ = obj.constructor?.name ?? "object";
  return dict;
}

function dictToError(className: string, dict: Record<string, unknown>): Error {
  const rawArgs = dict.args;
  const args = Array.isArray(rawArgs) ? rawArgs : rawArgs instanceof Set ? [...rawArgs] : [];
  const attrs = dict.attributes;
  const attributes: Record<string, unknown> =
    attrs && typeof attrs === "object" && !Array.isArray(attrs)
      ? attrs as Record<string, unknown>
      : {};
  const shortName = className.startsWith("Pyro5.errors.") ? className.slice(13) : className;
  const PyroClass = shortName.includes(".") ? undefined : pyroErrorClasses[shortName];
  if (PyroClass) {
    const error = new PyroClass(formatArgs(args));
    for (const [k, v] of Object.entries(attributes)) {
      if (k === "_pyroTraceback") {
        error._pyroTraceback = Array.isArray(v) ? v.map(String) : undefined;
      } else if (k !== "__proto__") (error as unknown as Record<string, unknown>)[k] = v;
    }
    return error;
  }
  if (className === "builtins.AttributeError" && args.length === 1) {
    return new AttributeError(String(args[0]), attributes);
  }
  return new RemoteError(className, args, attributes);
}

/**
 * Converts a received dict that has a `__class__` key: registered converters
 * first, then Pyro's own classes (URI, exceptions, `_ExceptionWrapper`, the
 * serpent NaN dict). Dicts of any other class come back unchanged, so their
 * data stays readable (Python would refuse them).
 */
export function dictToClass(dict: Record<string, unknown>): unknown {
  const className = dict.__class__;
  if (typeof className !== "string") return dict;
  try {
    return convertClassDict(className, dict);
  } catch (e) {
    // Whatever a converter throws (a proxy dict with a malformed URI: PyroError), a received
    // value that cannot be converted is the deserializer's error.
    if (e instanceof SerializeError) throw e;
    throw new SerializeError(`cannot convert a ${className} dict: ${(e as Error)?.message ?? e}`, {
      cause: e,
    });
  }
}

function convertClassDict(className: string, dict: Record<string, unknown>): unknown {
  const converter = dictToClassRegistry.get(className);
  if (converter) return converter(className, dict);
  switch (className) {
    case "Pyro5.core.URI": {
      const state = dict.state;
      if (!Array.isArray(state) || state.length < 5) {
        throw new SerializeError("invalid URI state in class dict");
      }
      return URI.fromState(state);
    }
    case "Pyro5.core._ExceptionWrapper": {
      const inner = dict.exception;
      const error = inner instanceof Error
        ? inner
        : inner && typeof inner === "object"
        ? dictToError(
          String((inner as Record<string, unknown>).__class__),
          inner as Record<string, unknown>,
        )
        : new RemoteError("builtins.Exception", [String(inner)]);
      return new ExceptionWrapper(error);
    }
    case "float":
      if (dict.value === "nan") return NaN;
      break;
  }
  if (dict.__exception__ === true) return dictToError(className, dict);
  return dict;
}
