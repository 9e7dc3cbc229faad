/**
 * A wait with a time limit, for the waits of the protocol's two sides: a handshake's answer,
 * a reply, a write to a peer that reads nothing.
 *
 * @module
 */

/**
 * `promise`, or a rejection with `onTimeout()`'s error once `seconds` pass first.
 *
 * @param promise what to wait for
 * @param seconds the limit; undefined or 0 for none (then `promise` itself is returned)
 * @param onTimeout makes the error (and may act, e.g. drop the connection) when time is up
 * @returns what `promise` gives
 * @example
 * ```ts
 * import { withTimeout } from "./timeout.ts";
 * const never = new Promise<never>(() => {});
 * await withTimeout(never, 0.01, () => new Error("too slow")).catch((e) => console.log(e.message));
 * ```
 */
export function withTimeout<T>(
  promise: Promise<T>,
  seconds: number | undefined,
  onTimeout: () => Error,
): Promise<T> {
  if (!seconds) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), seconds * 1000);
    }),
  ]).finally(() => clearTimeout(timer));
}
