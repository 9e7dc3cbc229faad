/**
 * The check shared by the formats whose call is one sequence
 * `(object_id, method, vargs, kwargs)`: serpent, marshal and msgpack.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import type { Call } from "./types.ts";

/**
 * Checks the shape of a decoded `(object_id, method, vargs, kwargs)` call.
 *
 * @param value the decoded value
 * @returns the call
 * @throws {SerializeError} when the value is not a call of that shape
 * @example
 * ```ts
 * import { callFromSequence } from "./call_shape.ts";
 * callFromSequence(["obj", "m", [1], null]); // { objectId: "obj", method: "m", vargs: [1], kwargs: null }
 * ```
 */
export function callFromSequence(value: unknown): Call {
  if (!Array.isArray(value) || value.length !== 4) {
    throw new SerializeError("invalid call: expected (object_id, method, vargs, kwargs)");
  }
  const [objectId, method, vargs, kwargs] = value;
  if (typeof objectId !== "string" || typeof method !== "string") {
    throw new SerializeError("invalid call: object id and method must be strings");
  }
  if (!Array.isArray(vargs)) {
    throw new SerializeError("invalid call: vargs must be a list or tuple");
  }
  if (
    kwargs !== null &&
    (typeof kwargs !== "object" || Array.isArray(kwargs) || kwargs instanceof Map)
  ) {
    throw new SerializeError("invalid call: kwargs must be a dict with string keys, or None");
  }
  return { objectId, method, vargs, kwargs: kwargs as Record<string, unknown> | null };
}
