/**
 * The serpent writer: a Python literal expression, byte for byte what Python's
 * serpent (as Pyro5 configures it) writes for the same value.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { Nesting } from "./nesting.ts";
import { pythonFloatRepr } from "./pyfloat.ts";
import { classToDict } from "./registry.ts";
import { NON_PRINTABLE_RANGES } from "./serpent_printable.ts";
import { Complex, DEFAULT_MAX_DEPTH, isTuple, PyFloat } from "./types.ts";
import { APART_FROM, APART_MARK, isoFormat, piecesOf, toBase64 } from "./text.ts";

/** The header line every serpent payload starts with. */
export const SERPENT_HEADER = "# serpent utf-8 python3.2\n";

/** Python 3.11's limit on decimal int digits (`sys.int_info.default_max_str_digits`). */
const MAX_INT_DIGITS = 4300;

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

/**
 * How `repr` writes each ASCII character inside the given quotes, in str and bytes alike:
 * itself, or an escape; undefined for the ones written as hex escapes.
 */
function asciiReprs(quote: string): ReadonlyArray<string | undefined> {
  const table: Array<string | undefined> = new Array(0x80).fill(undefined);
  for (let c = 0x20; c < 0x7f; c++) table[c] = String.fromCharCode(c);
  table[0x5c] = "\\\\";
  table[0x09] = "\\t";
  table[0x0a] = "\\n";
  table[0x0d] = "\\r";
  if (quote === "'") table[0x27] = "\\'";
  return table;
}
const IN_SINGLE_QUOTES = asciiReprs("'");
const IN_DOUBLE_QUOTES = asciiReprs('"');

/** True when every character is printable ASCII other than a quote or backslash. */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x27 || c === 0x5c) return false;
  }
  return true;
}

const NOT_PLAIN_ASCII = /[^\x20-\x5b\x5d-\x7e]/;

/**
 * The quote `repr` puts around a string it writes unchanged between them, or null when some
 * character needs an escape (pythonStrRepr's choice of quote and escapes, without writing).
 */
function bareQuote(s: string): string | null {
  // Printable ASCII without a backslash, the usual case, found by a regular expression: a few
  // times faster than the loop below.
  if (!NOT_PLAIN_ASCII.test(s)) {
    if (!s.includes("'")) return "'";
    return s.includes('"') ? null : '"';
  }
  let single = false;
  let double = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x27) single = true;
      else if (c === 0x22) double = true;
      else if (c === 0x5c) return null;
      continue;
    }
    if (c < 0x80) return null;
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (isNonPrintable(cp)) return null;
  }
  if (single && double) return null;
  return single ? '"' : "'";
}

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
  // Most strings need no escaping at all.
  if (isPlain(s)) return "'" + s + "'";
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const table = quote === "'" ? IN_SINGLE_QUOTES : IN_DOUBLE_QUOTES;
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
    const ascii = cp < 0x80 ? table[cp] : undefined;
    if (ascii !== undefined) out += ascii;
    else if (!isNonPrintable(cp)) out += String.fromCodePoint(cp);
    else if (cp <= 0xff) out += "\\x" + hex(cp, 2);
    else if (cp <= 0xffff) out += "\\u" + hex(cp, 4);
    else out += "\\U" + hex(cp, 8);
  }
  return out + quote;
}

/**
 * Python's `repr(bytes)`.
 *
 * @param b the bytes
 * @returns the `b'...'` literal
 * @example
 * ```ts
 * import { pythonBytesRepr } from "./serpent_writer.ts";
 * pythonBytesRepr(new Uint8Array([0x27, 0x41, 0])); // "b\"'A\\x00\""
 * ```
 */
export function pythonBytesRepr(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = "b" + quote;
  const table = quote === "'" ? IN_SINGLE_QUOTES : IN_DOUBLE_QUOTES;
  for (const c of b) out += (c < 0x80 ? table[c] : undefined) ?? "\\x" + hex(c, 2);
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

/**
 * Writes values as serpent text. One writer may be reused; it keeps no state between calls.
 *
 * @example
 * ```ts
 * import { SerpentWriter } from "./serpent_writer.ts";
 * new SerpentWriter().write({ a: [1, 2.5, null] }); // "{'a':[1,2.5,None]}"
 * ```
 */
export class SerpentWriter {
  readonly #bytesRepr: boolean;
  readonly #nesting: Nesting;
  /**
   * Whether long strings are kept apart (in writePieces), and those kept so far (after a write
   * that failed, until the next write begins).
   */
  #keepApart = false;
  #apart: string[] | null = null;

  /**
   * Creates a writer.
   *
   * @param options see {@linkcode SerpentWriteOptions}
   */
  constructor(options: SerpentWriteOptions = {}) {
    this.#bytesRepr = options.bytesRepr ?? false;
    this.#nesting = new Nesting(options.maxDepth ?? DEFAULT_MAX_DEPTH);
  }

  /**
   * The literal expression for a value (without the header line).
   *
   * @param value the value
   * @returns Python literal text
   * @throws {SerializeError} for functions, symbols, cycles and too deep nesting
   */
  write(value: unknown): string {
    this.#keepApart = false;
    this.#nesting.reset();
    return this.#value(value, 0);
  }

  /**
   * Like {@linkcode SerpentWriter.write}, for encoding: a long string (from `APART_FROM` UTF-16
   * units) that needs no escape is kept apart, the string itself, so that the text around it is
   * encoded without first joining it to the string (a flat copy of the string, see `utf8Pieces`).
   *
   * @param value the value
   * @returns the text, or, when some string was kept apart, the pieces that join to it
   * @throws {SerializeError} as {@linkcode SerpentWriter.write} does
   */
  writePieces(value: unknown): string | string[] {
    this.#keepApart = true;
    this.#apart = null;
    this.#nesting.reset();
    return this.#pieces(this.#value(value, 0));
  }

  /**
   * A call as a Python proxy sends it, `(object_id, method, vargs, kwargs)` with `vargs` a
   * tuple, without marking arrays with `tuple()` (a slow property definition, twice per call);
   * long strings kept apart as {@linkcode SerpentWriter.writePieces} keeps them.
   *
   * @param objectId the object id
   * @param method the method name
   * @param vargs positional arguments, written as a tuple
   * @param kwargs keyword arguments, or null
   * @returns the text, or, when some string was kept apart, the pieces that join to it
   * @throws {SerializeError} as {@linkcode SerpentWriter.write} does
   */
  writeCallPieces(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): string | string[] {
    this.#keepApart = true;
    this.#apart = null;
    this.#nesting.reset();
    this.#nesting.enter(vargs, 1);
    const args = vargs.length === 0
      ? "()"
      : vargs.length === 1
      ? "(" + this.#value(vargs[0], 2) + ",)"
      : "(" + this.#elements(vargs, 1) + ")";
    this.#nesting.leave();
    return this.#pieces(
      "(" + pythonStrRepr(objectId) + "," + pythonStrRepr(method) + "," + args + "," +
        this.#value(kwargs, 1) + ")",
    );
  }

  #pieces(text: string): string | string[] {
    const apart = this.#apart;
    if (apart === null) return text;
    this.#apart = null;
    return piecesOf(text, apart);
  }

  #value(value: unknown, depth: number): string {
    switch (typeof value) {
      case "string":
        return value.length >= APART_FROM && this.#keepApart
          ? this.#long(value)
          : pythonStrRepr(value);
      case "number":
        return Number.isSafeInteger(value) && !Object.is(value, -0)
          ? String(value)
          : serpentFloat(value);
      case "boolean":
        return value ? "True" : "False";
      case "bigint": {
        const digits = value.toString();
        // Python refuses to write or read decimal ints this long: fail here, not there.
        if (digits.length - (value < 0n ? 1 : 0) > MAX_INT_DIGITS) {
          throw new SerializeError(
            `an int of more than ${MAX_INT_DIGITS} digits cannot be sent with serpent`,
          );
        }
        return digits;
      }
      case "undefined":
        return "None";
      case "object":
        return value === null ? "None" : this.#object(value, depth);
      default:
        throw new SerializeError(`cannot serialize a ${typeof value} with serpent`);
    }
  }

  /** A long string: kept apart when it needs no escape, else written as always. */
  #long(s: string): string {
    const quote = bareQuote(s);
    if (quote === null) return pythonStrRepr(s);
    (this.#apart ??= []).push(s);
    return quote + APART_MARK + quote;
  }

  #object(value: object, depth: number): string {
    if (Array.isArray(value)) {
      this.#nesting.enter(value, depth);
      let out: string;
      if (isTuple(value)) {
        out = value.length === 0
          ? "()"
          : value.length === 1
          ? "(" + this.#value(value[0], depth + 1) + ",)"
          : "(" + this.#elements(value, depth) + ")";
      } else out = "[" + this.#elements(value, depth) + "]";
      this.#nesting.leave();
      return out;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      return this.#plainDict(value as Record<string, unknown>, depth);
    }
    if (value instanceof Map) return this.#mapDict(value, depth);
    if (value instanceof Set) {
      if (value.size === 0) return "()";
      this.#nesting.enter(value, depth);
      const out = `{${this.#items(value, depth, true)}}`;
      this.#nesting.leave();
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
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new SerializeError("serpent cannot serialize an invalid Date");
      }
      return pythonStrRepr(isoFormat(value));
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return this.#value(value.valueOf(), depth);
    }
    this.#nesting.enter(value, depth);
    const out = this.#value(classToDict(value), depth + 1);
    this.#nesting.leave();
    return out;
  }

  /** The comma-separated elements of an array. */
  #elements(items: readonly unknown[], depth: number): string {
    let out = "";
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out += ",";
      out += this.#value(items[i], depth + 1);
    }
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
      this.#nesting.enter(key, depth);
      const out = key.length === 1
        ? `(${this.#key(key[0], depth + 1)},)`
        : `(${this.#items(key, depth, true)})`;
      this.#nesting.leave();
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

  #plainDict(obj: Record<string, unknown>, depth: number): string {
    this.#nesting.enter(obj, depth);
    const keys = Object.keys(obj);
    let out = "{";
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) out += ",";
      out += pythonStrRepr(keys[i]) + ":" + this.#value(obj[keys[i]], depth + 1);
    }
    this.#nesting.leave();
    return out + "}";
  }

  #mapDict(map: Map<unknown, unknown>, depth: number): string {
    this.#nesting.enter(map, depth);
    let out = "{";
    let first = true;
    for (const [k, v] of map) {
      if (!first) out += ",";
      out += this.#key(k, depth + 1) + ":" + this.#value(v, depth + 1);
      first = false;
    }
    this.#nesting.leave();
    return out + "}";
  }
}
