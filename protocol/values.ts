/**
 * How Pyro's own values look once any serializer has decoded them: a set of names may arrive as
 * a set or (from json and msgpack, which have none) as a list; annotations arrive as a map.
 *
 * @module
 */

/**
 * The names of a Pyro set as strings: from a set, or the list or tuple a serializer without sets
 * sends.
 *
 * @param value a decoded value
 * @returns the names, or null when `value` is neither a set nor a list
 * @example
 * ```ts
 * import { stringSet } from "./values.ts";
 * console.log(stringSet(["a", "b"])); // Set(2) { "a", "b" }
 * console.log(stringSet("a")); // null
 * ```
 */
export function stringSet(value: unknown): Set<string> | null {
  return value instanceof Set || Array.isArray(value) ? new Set([...value].map(String)) : null;
}

/**
 * A message's annotations as a plain record, as the call context keeps them; a `__proto__` key
 * is dropped rather than allowed to set the record's prototype.
 *
 * @param annotations the message's annotations
 * @returns a record of the same entries
 * @example
 * ```ts
 * import { annotationRecord } from "./values.ts";
 * const record = annotationRecord(new Map([["XYZW", new Uint8Array([1])]]));
 * console.log(Object.keys(record)); // ["XYZW"]
 * ```
 */
export function annotationRecord(
  annotations: ReadonlyMap<string, Uint8Array>,
): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of annotations) if (k !== "__proto__") out[k] = v;
  return out;
}
