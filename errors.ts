/**
 * Error classes that mirror Pyro5's `Pyro5.errors` hierarchy, plus the error a
 * remote Python exception becomes on this side.
 *
 * ```
 * PyroError
 * ├── CommunicationError
 * │   ├── ConnectionClosedError
 * │   ├── TimeoutError
 * │   └── ProtocolError
 * │       ├── MessageTooLargeError
 * │       └── SerializeError
 * ├── NamingError
 * ├── DaemonError
 * └── SecurityError
 * ```
 *
 * @module
 */

/**
 * Base class of every Pyro error. Python: `Pyro5.errors.PyroError`.
 *
 * @example
 * ```ts
 * import { PyroError } from "@pyro5/pyro5";
 * try { throw new PyroError("boom"); } catch (e) { console.log(e instanceof PyroError); }
 * ```
 */
export class PyroError extends Error {
  /** The traceback lines of the remote side, when this error came from a peer. */
  _pyroTraceback?: string[];
  /**
   * Creates an instance.
   * @param message what went wrong
   * @param options the standard `{ cause }`
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A problem with the connection. Python: `Pyro5.errors.CommunicationError`. */
export class CommunicationError extends PyroError {}

/** The peer closed the connection. Python: `Pyro5.errors.ConnectionClosedError`. */
export class ConnectionClosedError extends CommunicationError {}

/**
 * An operation took longer than its timeout. Python: `Pyro5.errors.TimeoutError`.
 * (Named like the Python class; it shadows nothing global in JavaScript.)
 */
export class TimeoutError extends CommunicationError {}

/** Bytes that do not follow the Pyro protocol. Python: `Pyro5.errors.ProtocolError`. */
export class ProtocolError extends CommunicationError {}

/** A message over `MAX_MESSAGE_SIZE`. Python: `Pyro5.errors.MessageTooLargeError`. */
export class MessageTooLargeError extends ProtocolError {}

/** A value that cannot be serialized or deserialized. Python: `Pyro5.errors.SerializeError`. */
export class SerializeError extends ProtocolError {}

/** A name server problem. Python: `Pyro5.errors.NamingError`. */
export class NamingError extends PyroError {}

/** A daemon problem, such as an unknown object. Python: `Pyro5.errors.DaemonError`. */
export class DaemonError extends PyroError {}

/** Refused for safety. Python: `Pyro5.errors.SecurityError`. */
export class SecurityError extends PyroError {}

/**
 * A Python exception raised on the remote side that has no matching class here.
 * Keeps the Python class name (`builtins.ValueError`, `myapp.Oops`), the args
 * and the remote traceback.
 *
 * @example
 * ```ts
 * import { RemoteError } from "@pyro5/pyro5";
 * const e = new RemoteError("builtins.ValueError", ["boom"]);
 * console.log(e.pythonClass, e.message); // builtins.ValueError boom
 * ```
 */
export class RemoteError extends Error {
  /** The Python class name as sent, `module.QualName`. */
  readonly pythonClass: string;
  /** The exception's `args`. */
  readonly args: unknown[];
  /** The exception's instance attributes (`vars(exc)`), traceback included. */
  readonly attributes: Record<string, unknown>;
  /** The remote traceback lines, each ending in a newline. */
  _pyroTraceback?: string[];
  /**
   * Creates an instance.
   * @param pythonClass the Python class name, e.g. `builtins.ValueError`
   * @param args the exception's args
   * @param attributes the exception's instance attributes
   */
  constructor(pythonClass: string, args: unknown[] = [], attributes: Record<string, unknown> = {}) {
    super(formatArgs(args));
    this.name = pythonClass.slice(pythonClass.lastIndexOf(".") + 1) || "RemoteError";
    this.pythonClass = pythonClass;
    this.args = args;
    this.attributes = attributes;
    const tb = attributes._pyroTraceback;
    if (Array.isArray(tb)) this._pyroTraceback = tb.map(String);
  }
}

/**
 * Python's `AttributeError`: a remote member that does not exist, is not exposed, or cannot be
 * written. The proxy raises it for names the remote object does not expose; the daemon sends
 * it to Python as `builtins.AttributeError`; one that comes from Python arrives as this class.
 *
 * @example
 * ```ts
 * import { AttributeError } from "./errors.ts";
 * const e = new AttributeError("remote object 'PYRO:x@h:1' has no exposed attribute or method 'y'");
 * console.log(e.pythonClass); // builtins.AttributeError
 * ```
 */
export class AttributeError extends RemoteError {
  /**
   * Creates an instance.
   * @param message the message
   * @param attributes the exception's instance attributes (a remote traceback)
   */
  constructor(message: string, attributes: Record<string, unknown> = {}) {
    super("builtins.AttributeError", [message], attributes);
  }
}

/**
 * Marks `error` to reach Python callers as the Python class `pythonClass`, while it stays what it
 * is here (a `TypeError` is still `instanceof TypeError`). Without a mark an error travels as
 * the nearest Python built-in (`TypeError` as `builtins.TypeError`, `RangeError` as
 * `builtins.ValueError`, anything else as `builtins.Exception`) or, for Pyro's own errors, as
 * the `Pyro5.errors` class of the same name.
 *
 * @param error the error a server method is about to throw
 * @param pythonClass the Python class name, `module.QualName`, e.g. `builtins.KeyError`
 * @returns `error`, marked
 * @example
 * ```ts
 * import { asPythonError } from "@pyro5/pyro5";
 * class Store {
 *   get(key: string): never {
 *     throw asPythonError(new Error(key), "builtins.KeyError"); // Python sees a KeyError
 *   }
 * }
 * console.log(asPythonError(new RangeError("x"), "builtins.IndexError").pythonClass);
 * ```
 */
export function asPythonError<E extends Error>(
  error: E,
  pythonClass: string,
): E & { readonly pythonClass: string } {
  return Object.assign(error, { pythonClass });
}

/**
 * `error` when it is a {@linkcode CommunicationError} already, else one that says what failed
 * and keeps `error` as its cause: how a transport's own errors reach callers.
 *
 * @param error what was thrown
 * @param what what was being done, e.g. `cannot connect to localhost:9090`
 * @returns the communication error
 * @example
 * ```ts
 * import { asCommunicationError } from "@pyro5/pyro5";
 * const e = asCommunicationError(new Error("ECONNREFUSED"), "cannot connect to localhost:9090");
 * console.log(e.message); // cannot connect to localhost:9090: ECONNREFUSED
 * ```
 */
export function asCommunicationError(error: unknown, what: string): CommunicationError {
  if (error instanceof CommunicationError) return error;
  return new CommunicationError(`${what}: ${(error as Error)?.message ?? error}`, { cause: error });
}

/** Python's `str(exc)`: the single arg, or the args tuple. */
export function formatArgs(args: unknown[]): string {
  if (args.length === 0) return "";
  if (args.length === 1) return String(args[0]);
  return `(${args.map((a) => typeof a === "string" ? `'${a}'` : String(a)).join(", ")})`;
}

/** The Pyro error classes by their Python short name. */
export const pyroErrorClasses: Readonly<Record<string, new (message?: string) => PyroError>> =
  Object
    .freeze(
      Object.assign(Object.create(null), {
        PyroError,
        CommunicationError,
        ConnectionClosedError,
        TimeoutError,
        ProtocolError,
        MessageTooLargeError,
        SerializeError,
        NamingError,
        DaemonError,
        SecurityError,
      }),
    );

/**
 * Formats the remote traceback the way Python's `Pyro5.errors.get_pyro_traceback` does.
 *
 * @param error an error that came from a remote peer
 * @returns the printable text, or "" when the error carries no remote traceback
 */
export function getPyroTraceback(error: unknown): string {
  const tb = (error as { _pyroTraceback?: unknown })?._pyroTraceback;
  if (!Array.isArray(tb)) return "";
  const lines = tb.join("").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return " +--- This exception occurred remotely (Pyro) - Remote traceback:\n" +
    lines.map((l) => ` | ${l}\n`).join("") + " +--- End of remote traceback\n";
}
