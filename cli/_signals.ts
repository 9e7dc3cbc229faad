/**
 * How the long-running tools stop: on Ctrl-C or SIGTERM they shut down what they serve, then
 * exit 0.
 *
 * @module
 */

/**
 * Runs `shutdown` when SIGINT or SIGTERM arrives, then exits 0.
 *
 * @param shutdown closes what the tool serves
 * @returns the same stop, for other ways to trigger it (the echo server's `shutdown` call)
 * @example
 * ```ts
 * import { exitOnSignals } from "./_signals.ts";
 * const stop = exitOnSignals(() => console.log("closing"));
 * console.log(typeof stop); // "function"
 * ```
 */
export function exitOnSignals(shutdown: () => unknown): () => Promise<void> {
  const stop = async () => {
    await shutdown();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return stop;
}
