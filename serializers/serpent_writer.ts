/**
 * The serpent writer: a Python literal expression, byte for byte what Python's
 * serpent (as Pyro5 configures it) writes for the same value.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { pythonFloatRepr } from "./pyfloat.ts";
import { classToDict } from "./registry.ts";
import { NON_PRINTABLE_RANGES } from "./serpent_printable.ts";
import { Complex, DEFAULT_MAX_DEPTH, isTuple, PyFloat } from "./types.ts";
import { isoFormat, toBase64 } from "./text.ts";

/** The header line every serpent payload starts with. */
export const SERPENT_HEADER = "# serpent utf-8 python3.2\n";

/** Options of the writer. */
export interface SerpentWriteOptions {
  /** Write bytes as `b'...'` literals instead of `{'data': ..., 'encoding': 'base64'}` dicts. */
  bytesRepr?: boolean;
  /** Deepest nesting written. */
  maxDepth?: number;
}

function isNonPrintable(cp: number): boolean {
  // Binary search over the sorted start/end pairs.
  let lo = 0;
  let hi = NON_PRINTABLE_RANGES.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < NON_PRINTABLE_RANGES[mid * 2]) hi = mid - 1;
    else if (cp > NON_PRINTABLE_RANGES[mid * 2 + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, "0");
}

// Strings of printable ASCII without quotes or backslashes need no escaping at all.
const PLAIN = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/**
 * Python's `repr(str)`.
 *
 * @param s the string
 * @returns the quoted, escaped literal
 * @example
 * ```ts
 * import { pythonStrRepr } from "./serpent_writer.ts";
 * pythonStrRepr("it's"); // "\"it's\""
 * ```
 */
export function pythonStrRepr(s: string): string {
  if (PLAIN.test(s)) return `'${s}'`;
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp === 0x5c) out += "\\\\";
    else if (cp === 0x27 && quote === "'") out += "\\'";
    else if (cp === 0x09) out += "\\t";
    else if (cp === 0x0a) out += "\\n";
    else if (cp === 0x0d) out += "\\r";
    else if (cp >= 0x20 && cp < 0x7f) out += String.fromCharCode(cp);
    else if (!isNonPrintable(cp)) out += String.fromCodePoint(cp);
    else if (cp <= 0xff) out += "\\x" + hex(cp, 2);
    else if (cp <= 0xffff) out += "\\u" + hex(cp, 4);
    else out += "\\U" + hex(cp, 8);
  }
  return out + quote;
}

/** Python's `repr(bytes)`. */
export function pythonBytesRepr(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = "b" + quote;
  for (const c of b) {
    if (c === 0x5c) out += "\\\\";
    else if (c === 0x27 && quote === "'") out += "\\'";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\x" + hex(c, 2);
  }
  return out + quote;
}

function serpentFloat(n: number): string {
  if (n !== n) return "{'__class__':'float','value':'nan'}";
  if (n === Infinity) return "1e30000";
  if (n === -Infinity) return "-1e30000";
  return pythonFloatRepr(n);
}

function bytesOf(value: object): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof DataView) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return null;
}

/** Writes values as serpent text. One writer may be reused; it keeps no state between calls. */
export class SerpentWriter {
  readonly #bytesRepr: boolean;
  readonly #maxDepth: number;
  #stack: object[] = [];

  /** @param options see {@linkcode SerpentWriteOptions} */
  constructor(options: SerpentWriteOptions = {}) {
    this.#bytesRepr = options.bytesRepr ?? false;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /**
   * The literal expression for a value (without the header line).
   *
   * @param value the value
   * @returns Python literal text
   */
  write(value: unknown): string {
    this.#stack.length = 0;
    return this.#value(value, 0);
  }

  #enter(obj: object, depth: number): void {
    if (depth > this.#maxDepth) {
      if (this.#stack.includes(obj)) throw new SerializeError("circular reference detected");
      throw new SerializeError(
        `object graph nesting too deep (more than ${this.#maxDepth} levels)`,
      );
    }
    if (this.#stack.includes(obj)) throw new SerializeError("circular reference detected");
    this.#stack.push(obj);
  }

  #value(value: unknown, depth: number): string {
    switch (typeof value) {
      case "string":
        return pythonStrRepr(value);
      case "number":
        return Number.isSafeInteger(value) && !Object.is(value, -0)
          ? String(value)
          : serpentFloat(value);
      case "boolean":
        return value ? "True" : "False";
      case "bigint":
        return value.toString();
      case "undefined":
        return "None";
      case "object":
        return value === null ? "None" : this.#object(value, depth);
      default:
        throw new SerializeError(`cannot serialize a ${typeof value} with serpent`);
    }
  }

  #object(value: object, depth: number): string {
    if (Array.isArray(value)) {
      this.#enter(value, depth);
      let out: string;
      if (isTuple(value)) {
        out = value.length === 0
          ? "()"
          : value.length === 1
          ? `(${this.#value(value[0], depth + 1)},)`
          : `(${this.#items(value, depth)})`;
      } else out = `[${this.#items(value, depth)}]`;
      this.#stack.pop();
      return out;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      return this.#dict(Object.entries(value), value, depth, true);
    }
    if (value instanceof Map) return this.#dict(value.entries(), value, depth, false);
    if (value instanceof Set) {
      if (value.size === 0) return "()";
      this.#enter(value, depth);
      const out = `{${this.#items(value, depth, true)}}`;
      this.#stack.pop();
      return out;
    }
    const bytes = bytesOf(value);
    if (bytes) {
      return this.#bytesRepr
        ? pythonBytesRepr(bytes)
        : `{'data': '${toBase64(bytes)}', 'encoding': 'base64'}`;
    }
    if (ArrayBuffer.isView(value)) {
      return this.#object(Array.from(value as unknown as ArrayLike<number | bigint>), depth);
    }
    if (value instanceof PyFloat) return serpentFloat(value.value);
    if (value instanceof Complex) {
      if (value.re !== value.re || value.im !== value.im) {
        return `{'__class__':'complex','real':${serpentFloat(value.re)},'imag':${
          serpentFloat(value.im)
        }}`;
      }
      const plus = value.im >= 0 && !Object.is(value.im, -0) ? "+" : "";
      return `(${serpentFloat(value.re)}${plus}${serpentFloat(value.im)}j)`;
    }
    if (value instanceof Date) return pythonStrRepr(isoFormat(value));
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return this.#value(value.valueOf(), depth);
    }
    this.#enter(value, depth);
    const out = this.#value(classToDict(value), depth + 1);
    this.#stack.pop();
    return out;
  }

  #items(items: Iterable<unknown>, depth: number, asKeys = false): string {
    let out = "";
    let first = true;
    for (const item of items) {
      if (!first) out += ",";
      out += asKeys ? this.#key(item, depth + 1) : this.#value(item, depth + 1);
      first = false;
    }
    return out;
  }

  #key(key: unknown, depth: number): string {
    // Python dict keys and set members must be hashable: arrays become tuples.
    if (Array.isArray(key)) {
      this.#enter(key, depth);
      const out = key.length === 1
        ? `(${this.#key(key[0], depth + 1)},)`
        : `(${this.#items(key, depth, true)})`;
      this.#stack.pop();
      return out;
    }
    if (
      key instanceof Set || key instanceof Map ||
      (key !== null && typeof key === "object" && Object.getPrototypeOf(key) === Object.prototype)
    ) {
      throw new SerializeError("a dict key or set member must be hashable: not a dict, set or map");
    }
    return this.#value(key, depth);
  }

  #dict(
    entries: Iterable<[unknown, unknown]>,
    container: object,
    depth: number,
    stringKeys: boolean,
  ): string {
    this.#enter(container, depth);
    let out = "{";
    let first = true;
    for (const [k, v] of entries) {
      if (!first) out += ",";
      out += stringKeys ? pythonStrRepr(k as string) : this.#key(k, depth + 1);
      out += ":";
      out += this.#value(v, depth + 1);
      first = false;
    }
    this.#stack.pop();
    return out + "}";
  }
}
