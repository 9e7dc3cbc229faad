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
  // Plain objects list integer-like keys first; once such a key appears, the wire order is
  // kept here so that a switch to a Map keeps it.
  #order: string[] | null = null;

  /** Adds an entry; a later duplicate key wins, as in Python. */
  set(key: unknown, value: unknown): void {
    const obj = this.#obj;
    if (obj !== null && typeof key === "string") {
      if (this.#order === null) {
        const c = key.charCodeAt(0);
        if (c >= 0x30 && c <= 0x39) this.#order = Object.keys(obj);
      }
      if (this.#order !== null && !Object.hasOwn(obj, key)) this.#order.push(key);
      return setOwn(obj, key, value);
    }
    if (this.#map === null) {
      const keys = this.#order ?? Object.keys(obj!);
      this.#map = new Map(keys.map((k) => [k, obj![k]]));
      this.#obj = null;
    }
    this.#map.set(key, value);
  }

  /** The dict: a plain object when every key was a string, else a Map. */
  result(): Record<string, unknown> | Map<unknown, unknown> {
    return this.#map ?? this.#obj!;
  }
}
