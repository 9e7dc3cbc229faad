/**
 * One-call setup of a daemon. Python: `Pyro5.server.serve`.
 *
 * @module
 */
import { Daemon, type DaemonOptions } from "./daemon.ts";

/** Options of {@linkcode serve}. */
export interface ServeOptions extends DaemonOptions {
  /** Print the URI of each object (default true). */
  verbose?: boolean;
  /** Called with the daemon once the objects are registered, before serving. */
  onReady?: (daemon: Daemon) => void;
}

/**
 * Makes a daemon, registers the objects under their ids, prints their URIs
 * and serves until the daemon is closed.
 *
 * @param objects objects or classes by object id
 * @param options daemon options, `verbose`, `onReady`
 * @returns resolves when the daemon closes
 * @example
 * ```ts
 * import { expose, serve } from "@pyro5/pyro5";
 * class Greeter { hello() { return "hi"; } }
 * expose(Greeter);
 * await serve({ "example.greeter": Greeter }, {
 *   host: "127.0.0.1",
 *   port: 0,
 *   onReady: (daemon) => setTimeout(() => daemon.close(), 100), // else: until stopped
 * });
 * ```
 */
export async function serve(
  objects: Record<string, object>,
  options: ServeOptions = {},
): Promise<void> {
  const daemon = await Daemon.create(options);
  for (const [id, obj] of Object.entries(objects)) {
    const uri = daemon.register(obj, id);
    if (options.verbose ?? true) console.log(`Object ${id}:\n    uri = ${uri}`);
  }
  if (options.verbose ?? true) console.log("Pyro daemon running.");
  options.onReady?.(daemon);
  await daemon.requestLoop();
}
