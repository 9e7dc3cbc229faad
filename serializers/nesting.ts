/**
 * What every writer checks as it enters a container: that the container is
 * not one it is already inside (a cycle would never end) and that the nesting
 * stays within the limit the peer's reader will accept.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";

/**
 * The containers a writer is inside.
 *
 * @example
 * ```ts
 * import { Nesting } from "./nesting.ts";
 * const nesting = new Nesting(1000);
 * const list: unknown[] = [];
 * nesting.enter(list, 0);
 * nesting.leave();
 * ```
 */
export class Nesting {
  readonly #stack: object[] = [];
  readonly #maxDepth: number;
  readonly #deepest: number;

  /**
   * Creates a tracker.
   *
   * @param maxDepth the limit, as the error message names it
   * @param deepest the deepest depth entered without an error (0 is the outermost container):
   *   `maxDepth` by default, one less where the format's reader takes only `maxDepth` levels (marshal)
   */
  constructor(maxDepth: number, deepest: number = maxDepth) {
    this.#maxDepth = maxDepth;
    this.#deepest = deepest;
  }

  /** Forgets every container: a new value is being written. */
  reset(): void {
    this.#stack.length = 0;
  }

  /**
   * Enters a container.
   *
   * @param obj the container
   * @param depth its depth
   * @throws {SerializeError} for a container already entered, or one too deep
   */
  enter(obj: object, depth: number): void {
    // A cycle is named as such even where it also passes the depth limit.
    if (this.#stack.includes(obj)) throw new SerializeError("circular reference detected");
    if (depth > this.#deepest) {
      throw new SerializeError(
        `object graph nesting too deep (more than ${this.#maxDepth} levels)`,
      );
    }
    this.#stack.push(obj);
  }

  /** Leaves the container entered last. */
  leave(): void {
    this.#stack.pop();
  }
}
