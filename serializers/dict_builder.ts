/**
 * Builds a decoded dict safely: a plain object while every key is a string
 * (a `__proto__` key becomes an ordinary own property, never a prototype
 * change), a Map once a key is anything else.
 *
 * @module
 */

/**
 * Sets an own property, also for the key `__proto__`.
 *
 * @param obj the object
 * @param key the key
 * @param value the value
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else obj[key] = value;
}

/** Collects the entries of one dict. */
export class DictBuilder {
  #obj: Record<string, unknown> | null = {};
  #map: Map<unknown, unknown> | null = null;

  /** Adds an entry; a later duplicate key wins, as in Python. */
  set(key: unknown, value: unknown): void {
    if (this.#obj !== null && typeof key === "string") return setOwn(this.#obj, key, value);
    if (this.#map === null) {
      this.#map = new Map(Object.entries(this.#obj!));
      this.#obj = null;
    }
    this.#map.set(key, value);
  }

  /** The dict: a plain object when every key was a string, else a Map. */
  result(): Record<string, unknown> | Map<unknown, unknown> {
    return this.#map ?? this.#obj!;
  }
}
