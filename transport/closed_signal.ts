/**
 * A connection's `closed` promise, made only when somebody asks for it: most connections are
 * never asked, and an idle connection should cost little (bench/idle.ts).
 *
 * @module
 */

/**
 * Whether a connection has closed, and a promise of it made on first request.
 *
 * @example
 * ```ts
 * import { ClosedSignal } from "./closed_signal.ts";
 * const closed = new ClosedSignal();
 * const waiting = closed.promise;
 * closed.mark();
 * await waiting;
 * ```
 */
export class ClosedSignal {
  #done = false;
  #promise: Promise<void> | null = null;
  #resolve: (() => void) | null = null;

  /** True once {@linkcode ClosedSignal.mark} was called. */
  get done(): boolean {
    return this.#done;
  }

  /** Resolves once {@linkcode ClosedSignal.mark} is called (at once if it was). */
  get promise(): Promise<void> {
    return this.#promise ??= this.#done
      ? Promise.resolve()
      : new Promise((resolve) => this.#resolve = resolve);
  }

  /** Marks the connection closed; later calls do nothing more. */
  mark(): void {
    this.#done = true;
    this.#resolve?.();
  }
}
