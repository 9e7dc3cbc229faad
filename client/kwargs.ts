/**
 * Keyword arguments for remote calls.
 *
 * @module
 */

/** Keyword arguments, passed as the last argument of a remote call. */
export class KwArgs {
  /** The keyword arguments by name. */
  readonly values: Record<string, unknown>;
  /**
   * Creates an instance.
   * @param values the keyword arguments by name
   */
  constructor(values: Record<string, unknown>) {
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      throw new TypeError("kwargs() takes a plain object of keyword arguments");
    }
    this.values = values;
  }
}

/**
 * Marks an object as the keyword arguments of a remote call (Python `**kwargs`).
 *
 * @param values the keyword arguments by name
 * @returns the marker to pass as the last argument
 * @example
 * ```ts
 * import { Daemon, expose, kwargs, Proxy } from "@pyro5/pyro5";
 * const settings = expose({ configure: (a: number, b: number, verbose = false) => [a, b, verbose] });
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * await using proxy = new Proxy(daemon.register(settings));
 * // Python: proxy.configure(1, 2, verbose=True)
 * console.log(await proxy.configure(1, 2, kwargs({ verbose: true }))); // [1, 2, true]
 * ```
 */
export function kwargs(values: Record<string, unknown>): KwArgs {
  return new KwArgs(values);
}

/** Splits call arguments into positional arguments and keyword arguments. */
export function splitArgs(args: readonly unknown[]): [unknown[], Record<string, unknown>] {
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  if (last instanceof KwArgs) return [args.slice(0, -1), last.values];
  return [args as unknown[], {}];
}
