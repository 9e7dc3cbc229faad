/**
 * The timeout and AbortSignal around a connect attempt, shared by the
 * adapters whose runtime API has neither.
 *
 * @module
 */
import { asCommunicationError, TimeoutError } from "../errors.ts";
import type { ConnectOptions } from "./types.ts";

/**
 * Waits for a connect attempt within the options' timeout and signal.
 *
 * @param attempt the runtime's pending connect
 * @param where the address, for messages
 * @param options timeout (seconds) and signal
 * @param discard closes a socket that arrives after the caller gave up, so it cannot leak
 * @returns the socket
 * @throws {TimeoutError} after the timeout
 * @throws {CommunicationError} naming the address when the connect fails
 */
export async function guardConnect<T>(
  attempt: Promise<T>,
  where: string,
  options: ConnectOptions,
  discard: (late: T) => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const guards: Promise<never>[] = [];
  if (options.timeout) {
    guards.push(
      new Promise((_, reject) => {
        const message = `cannot connect to ${where}: timeout (${options.timeout}s)`;
        timer = setTimeout(() => reject(new TimeoutError(message)), options.timeout! * 1000);
      }),
    );
  }
  if (options.signal) {
    guards.push(
      new Promise((_, reject) => {
        onAbort = () => reject(options.signal!.reason ?? new DOMException("aborted", "AbortError"));
        options.signal!.addEventListener("abort", onAbort, { once: true });
      }),
    );
  }
  try {
    return await Promise.race([attempt, ...guards]);
  } catch (e) {
    attempt.then(discard, () => {});
    if (e instanceof TimeoutError || (e as Error)?.name === "AbortError") throw e;
    throw asCommunicationError(e, `cannot connect to ${where}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort) options.signal!.removeEventListener("abort", onAbort);
  }
}
