/**
 * A reader of CPython's `marshal` format (version 4, what CPython 3.4 and
 * later write by default), for the values Pyro sends. Hostile-input safe:
 * every count and length is checked against the bytes left before anything
 * is allocated, nesting is bounded, back-references are range-checked, and
 * code objects are refused.
 *
 * Every value is a one-byte type code, OR-ed with `FLAG_REF` (0x80) when the
 * value goes into the reference table, then its body. Integers are
 * little-endian.
 *
 * | code | char | body | Python value |
 * | ---- | ---- | ---- | ------------ |
 * | 0x4e | `N` | - | None |
 * | 0x54 0x46 | `T` `F` | - | True, False |
 * | 0x69 | `i` | int32 | int |
 * | 0x49 | `I` | int64 (Python 2; CPython 3 still reads it) | int |
 * | 0x6c | `l` | int32 n, then \|n\| uint16 digits of 15 bits, least significant first; sign of n = sign of the number | int |
 * | 0x67 | `g` | float64 | float |
 * | 0x79 | `y` | float64 real, float64 imaginary | complex |
 * | 0x66 | `f` | uint8 length, float text (old format) | float |
 * | 0x78 | `x` | two `f` bodies (old format) | complex |
 * | 0x73 | `s` | int32 length, bytes | bytes |
 * | 0x75 0x74 | `u` `t` | int32 length, UTF-8 (surrogatepass) | str, interned str |
 * | 0x61 0x41 | `a` `A` | int32 length, one byte per character | ASCII str |
 * | 0x7a 0x5a | `z` `Z` | uint8 length, one byte per character | short ASCII str |
 * | 0x28 | `(` | int32 count, items | tuple |
 * | 0x29 | `)` | uint8 count, items | tuple |
 * | 0x5b | `[` | int32 count, items | list |
 * | 0x3c 0x3e | `<` `>` | int32 count, items | set, frozenset |
 * | 0x7b | `{` | key, value, ..., then `0` (0x30) | dict |
 * | 0x72 | `r` | int32 index into the reference table | an earlier value |
 * | 0x53 0x2e | `S` `.` | - | StopIteration, Ellipsis (refused: no JS value) |
 * | 0x63 | `c` | code object | refused |
 *
 * A container takes its reference slot before its items are read, so an
 * item may refer back to the container holding it.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { ByteReader } from "./byte_reader.ts";
import { setOwn } from "./dict_builder.ts";
import { dictToClass } from "./registry.ts";
import { Complex, DEFAULT_MAX_DEPTH } from "./types.ts";
import { utf8Decoder } from "./text.ts";

/** The marshal type codes Pyro's values use, and the ones the reader refuses by name. */
export const MarshalCode = {
  NULL: 0x30,
  NONE: 0x4e,
  TRUE: 0x54,
  FALSE: 0x46,
  STOPITER: 0x53,
  ELLIPSIS: 0x2e,
  INT: 0x69,
  INT64: 0x49,
  LONG: 0x6c,
  FLOAT: 0x66,
  BINARY_FLOAT: 0x67,
  COMPLEX: 0x78,
  BINARY_COMPLEX: 0x79,
  STRING: 0x73,
  UNICODE: 0x75,
  INTERNED: 0x74,
  ASCII: 0x61,
  ASCII_INTERNED: 0x41,
  SHORT_ASCII: 0x7a,
  SHORT_ASCII_INTERNED: 0x5a,
  TUPLE: 0x28,
  SMALL_TUPLE: 0x29,
  LIST: 0x5b,
  DICT: 0x7b,
  SET: 0x3c,
  FROZENSET: 0x3e,
  REF: 0x72,
  CODE: 0x63,
} as const;

/** The bit that puts a value into the reference table. */
export const FLAG_REF = 0x80;

/** Options of {@linkcode readMarshal}. */
export interface MarshalReadOptions {
  /** Deepest container nesting accepted (default 1000). */
  maxDepth?: number;
}

/** ASCII strings up to this many bytes are decoded in JavaScript (keys cached); longer ones natively. */
const SHORT_STRING = 16;
/** UTF-8 strings up to this many bytes are decoded in JavaScript; longer ones natively. */
const SHORT_UTF8 = 64;
/** The most 15-bit digits a `l` may have: V8's BigInt limit is 2^30 bits. */
const MAX_LONG_DIGITS = Math.floor(2 ** 30 / 15);

/** Marks a reserved reference slot whose set is still being read. */
const UNFINISHED: unique symbol = Symbol("unfinished marshal set");

/**
 * Decodes one marshal value (Python: `marshal.loads`) with Pyro's
 * conventions: dicts with a string `__class__` go through the class registry.
 * Unlike `marshal.loads`, bytes after the value are an error.
 *
 * @param data the marshal bytes (any view: the offset in its buffer is honoured)
 * @param options limits
 * @returns the value as the README's type mapping says
 * @throws SerializeError for anything that is not a complete, valid value
 * @example
 * ```ts
 * import { readMarshal } from "./marshal_reader.ts";
 * readMarshal(new Uint8Array([0xda, 0x02, 0x68, 0x69])); // "hi"
 * ```
 */
export function readMarshal(data: Uint8Array, options: MarshalReadOptions = {}): unknown {
  return new MarshalReader(data, "marshal", options.maxDepth ?? DEFAULT_MAX_DEPTH).read();
}

/** Bytes values from this size on that are at least half the data are views into it. */
const VIEW_FROM = 1 << 16;

class MarshalReader extends ByteReader {
  readonly #refs: unknown[] = [];
  // Made at once and kept in a field: most marshal values read numbers through it.
  readonly #v: DataView = this.v;

  read(): unknown {
    return this.end(this.#value(0));
  }

  #i32(): number {
    return this.#v.getInt32(this.take(4), true);
  }

  /** A length or count: never negative. */
  #size(): number {
    const n = this.#i32();
    if (n < 0) throw new SerializeError(`marshal: negative size ${n} at offset ${this.pos - 4}`);
    return n;
  }

  #f64(): number {
    return this.#v.getFloat64(this.take(8), true);
  }

  #enter(depth: number, at: number): void {
    if (depth >= this.maxDepth) {
      throw new SerializeError(
        `marshal: nesting deeper than ${this.maxDepth} levels at offset ${at}`,
      );
    }
  }

  #value(depth: number): unknown {
    this.need(1);
    const at = this.pos;
    const byte = this.b[this.pos++];
    const ref = byte >= FLAG_REF;
    let value: unknown;
    switch (byte & ~FLAG_REF) {
      // Singletons never take a reference slot, whatever their flag says (as in CPython).
      case MarshalCode.NONE:
        return null;
      case MarshalCode.TRUE:
        return true;
      case MarshalCode.FALSE:
        return false;
      case MarshalCode.INT:
        value = this.#i32();
        break;
      case MarshalCode.INT64: {
        const big = this.#v.getBigInt64(this.take(8), true);
        value = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
        break;
      }
      case MarshalCode.LONG:
        value = this.#long(at);
        break;
      case MarshalCode.BINARY_FLOAT:
        value = this.#f64();
        break;
      case MarshalCode.BINARY_COMPLEX:
        value = new Complex(this.#f64(), this.#f64()); // real part first: arguments run in order
        break;
      case MarshalCode.FLOAT:
        value = this.#textFloat();
        break;
      case MarshalCode.COMPLEX:
        value = new Complex(this.#textFloat(), this.#textFloat());
        break;
      case MarshalCode.STRING: {
        const n = this.#size();
        this.need(n);
        // A copy, except for a large value that is most of the data: then a view, not a copy
        // (a small value's view would keep the whole message alive).
        value = n >= VIEW_FROM && n * 2 >= this.b.length
          ? this.b.subarray(this.pos, this.pos += n)
          : this.b.slice(this.pos, this.pos += n);
        break;
      }
      case MarshalCode.UNICODE:
      case MarshalCode.INTERNED:
        value = this.#utf8(this.#size());
        break;
      case MarshalCode.ASCII:
      case MarshalCode.ASCII_INTERNED:
        value = this.#latin1(this.#size());
        break;
      case MarshalCode.SHORT_ASCII:
      case MarshalCode.SHORT_ASCII_INTERNED:
        value = this.#latin1(this.b[this.take(1)]);
        break;
      case MarshalCode.SMALL_TUPLE:
        return this.#sequence(this.b[this.take(1)], ref, depth, at);
      case MarshalCode.TUPLE:
      case MarshalCode.LIST:
        return this.#sequence(this.#size(), ref, depth, at);
      case MarshalCode.SET:
      case MarshalCode.FROZENSET:
        return this.#set(this.#size(), ref, depth, at);
      case MarshalCode.DICT:
        return this.#dict(ref, depth, at);
      case MarshalCode.REF:
        return this.#backReference(at);
      case MarshalCode.CODE:
        throw new SerializeError(`marshal: refusing a code object (type code 'c') at offset ${at}`);
      case MarshalCode.STOPITER:
        throw new SerializeError(
          `marshal: StopIteration (type code 'S') has no JavaScript value, at offset ${at}`,
        );
      case MarshalCode.ELLIPSIS:
        throw new SerializeError(
          `marshal: Ellipsis (type code '.') has no JavaScript value, at offset ${at}`,
        );
      case MarshalCode.NULL:
        throw new SerializeError(`marshal: dict terminator '0' outside a dict at offset ${at}`);
      default:
        throw new SerializeError(
          `marshal: unknown type code 0x${byte.toString(16).padStart(2, "0")} at offset ${at}${
            byte >= 0x21 && byte < 0x7f ? ` ('${String.fromCharCode(byte)}')` : ""
          }`,
        );
    }
    if (ref) this.#refs.push(value);
    return value;
  }

  #sequence(n: number, ref: boolean, depth: number, at: number): unknown[] {
    this.#enter(depth, at);
    // Every item takes at least one byte: an impossible count fails before allocating.
    this.need(n);
    const items: unknown[] = [];
    if (ref) this.#refs.push(items);
    for (let i = 0; i < n; i++) items.push(this.#value(depth + 1));
    return items;
  }

  #set(n: number, ref: boolean, depth: number, at: number): Set<unknown> {
    this.#enter(depth, at);
    this.need(n);
    // Python cannot put a set inside itself (sets are unhashable; a frozenset's slot is
    // empty until it is complete), so a reference to an unfinished set is an error.
    const slot = ref ? this.#refs.push(UNFINISHED) - 1 : -1;
    const set = new Set<unknown>();
    for (let i = 0; i < n; i++) set.add(this.#value(depth + 1));
    if (slot >= 0) this.#refs[slot] = set;
    return set;
  }

  #dict(ref: boolean, depth: number, at: number): unknown {
    this.#enter(depth, at);
    // Built here rather than with DictBuilder: this is the hottest path of the reader.
    const obj: Record<string, unknown> = {};
    let map: Map<unknown, unknown> | null = null;
    let hasClass = false;
    // An item that refers back to this dict while it is read gets the plain object;
    // if a non-string key later turns the dict into a Map, that reference stays the object.
    const slot = ref ? this.#refs.push(obj) - 1 : -1;
    const b = this.b;
    for (;;) {
      this.need(1);
      if ((b[this.pos] & ~FLAG_REF) === MarshalCode.NULL) {
        this.pos++;
        break;
      }
      const key = this.#key(depth + 1);
      const value = this.#value(depth + 1);
      if (map === null && typeof key === "string") {
        if (key === "__proto__") setOwn(obj, key, value);
        else {
          obj[key] = value;
          if (key === "__class__") hasClass = true;
        }
      } else {
        map ??= new Map(Object.entries(obj));
        map.set(key, value);
      }
    }
    const result = map ?? (hasClass && typeof obj.__class__ === "string" ? dictToClass(obj) : obj);
    if (slot >= 0) this.#refs[slot] = result;
    return result;
  }

  /** A dict key: short ASCII keys (the usual case) come from the key cache. */
  #key(depth: number): unknown {
    const b = this.b;
    const p = this.pos;
    const code = b[p] & ~FLAG_REF;
    if (
      (code !== MarshalCode.SHORT_ASCII && code !== MarshalCode.SHORT_ASCII_INTERNED) ||
      p + 2 > b.length || b[p + 1] > SHORT_STRING
    ) return this.#value(depth);
    const n = b[p + 1];
    this.pos = p + 2;
    this.need(n);
    this.pos += n;
    const key = cachedLatin1(b, p + 2, n);
    if (b[p] >= FLAG_REF) this.#refs.push(key);
    return key;
  }

  #backReference(at: number): unknown {
    const index = this.#i32();
    if (index < 0 || index >= this.#refs.length) {
      throw new SerializeError(
        `marshal: back-reference ${index} out of range (${this.#refs.length} objects) at offset ${at}`,
      );
    }
    const value = this.#refs[index];
    if (value === UNFINISHED) {
      throw new SerializeError(
        `marshal: back-reference ${index} to a set that is still being read, at offset ${at}`,
      );
    }
    return value;
  }

  /** `l`: a count of 15-bit digits with the number's sign, then the digits, lowest first. */
  #long(at: number): number | bigint {
    const n = this.#i32();
    const count = n < 0 ? -n : n;
    if (count === 0) return 0;
    if (count > MAX_LONG_DIGITS) {
      throw new SerializeError(`marshal: integer of ${count} digits is too large at offset ${at}`);
    }
    this.need(count * 2);
    const b = this.b;
    const start = this.pos;
    for (let i = 0; i < count; i++) {
      if (b[start + 2 * i + 1] > 0x7f) {
        throw new SerializeError(`marshal: long digit out of range at offset ${start + 2 * i}`);
      }
    }
    if (b[start + 2 * count - 2] === 0 && b[start + 2 * count - 1] === 0) {
      throw new SerializeError(`marshal: long with a leading zero digit at offset ${at}`);
    }
    this.pos += count * 2;
    if (count <= 3) {
      // Up to 45 bits: exact in a double.
      const x = digitsValue(b, start, 0, count);
      return n < 0 ? -x : x;
    }
    let big: bigint;
    if (count <= LONG_BY_CHUNKS) {
      // 45 bits (three digits) at a time, most significant first.
      let i = count - (count % 3 || 3);
      big = BigInt(digitsValue(b, start, i, count));
      while (i > 0) {
        i -= 3;
        big = big << 45n | BigInt(digitsValue(b, start, i, i + 3));
      }
    } else big = BigInt("0x" + digitsToHex(b, start, count));
    const value = n < 0 ? -big : big;
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
  }

  /** `f`: Python's float text after a length byte (`1.5`, `-inf`, `nan`). */
  #textFloat(): number {
    this.need(1);
    const at = this.pos;
    const n = this.b[this.pos++];
    let text = this.#latin1(n);
    // CPython parses the text as a C string: it ends at a NUL byte.
    const nul = text.indexOf("\0");
    if (nul >= 0) text = text.slice(0, nul);
    if (!PYTHON_FLOAT.test(text)) {
      throw new SerializeError(
        `marshal: invalid float text ${JSON.stringify(text)} at offset ${at}`,
      );
    }
    const lower = text.toLowerCase();
    if (lower.endsWith("nan")) return NaN;
    if (lower.endsWith("inf") || lower.endsWith("infinity")) {
      return text[0] === "-" ? -Infinity : Infinity;
    }
    return Number(text);
  }

  /** One byte per character, as CPython reads its ASCII codes (it never checks the range). */
  #latin1(n: number): string {
    this.need(n);
    const b = this.b;
    const start = this.pos;
    this.pos += n;
    if (n <= 8) return upTo8Chars(b, start, n);
    if (n <= 16) return upTo8Chars(b, start, 8) + upTo8Chars(b, start + 8, n - 8);
    try {
      const s = utf8Decoder.decode(b.subarray(start, start + n));
      // As many characters as bytes only when all were ASCII, where UTF-8 and Latin-1 agree.
      if (s.length === n) return s;
    } catch {
      // bytes over 0x7f: decode them one by one below
    }
    return charCodes(b, start, n);
  }

  /** UTF-8 with lone surrogates allowed, as Python's `surrogatepass` writes them. */
  #utf8(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (n > SHORT_UTF8) {
      try {
        return utf8Decoder.decode(this.b.subarray(start, start + n));
      } catch {
        // lone surrogates or invalid bytes: the JavaScript decoder tells which
      }
    }
    return decodeUtf8(this.b, start, n);
  }
}

/**
 * Recently decoded short dict keys, by a hash of their bytes. Keys repeat in
 * every row of a result; handing out the same string again spares building it
 * and lets the engine use it as a property name without hashing it anew.
 */
const CACHE_SLOTS = 4096;
const cachedBytes = new Uint8Array(CACHE_SLOTS * SHORT_STRING);
const cachedLength = new Int16Array(CACHE_SLOTS).fill(-1);
const cachedString: string[] = new Array(CACHE_SLOTS).fill("");

function cachedLatin1(b: Uint8Array, start: number, n: number): string {
  let h = n;
  for (let i = start; i < start + n; i++) h = Math.imul(h ^ b[i], 0x9e3779b1);
  const slot = (h >>> 20) & (CACHE_SLOTS - 1);
  const base = slot * SHORT_STRING;
  if (cachedLength[slot] === n) {
    let i = 0;
    while (i < n && cachedBytes[base + i] === b[start + i]) i++;
    if (i === n) return cachedString[slot];
  }
  for (let i = 0; i < n; i++) cachedBytes[base + i] = b[start + i];
  const s = n <= 8
    ? upTo8Chars(b, start, n)
    : upTo8Chars(b, start, 8) + upTo8Chars(b, start + 8, n - 8);
  cachedLength[slot] = n;
  cachedString[slot] = s;
  return s;
}

/** One call with all the characters builds one flat string, no intermediate ones. */
function upTo8Chars(b: Uint8Array, i: number, n: number): string {
  const f = String.fromCharCode;
  switch (n) {
    case 0:
      return "";
    case 1:
      return f(b[i]);
    case 2:
      return f(b[i], b[i + 1]);
    case 3:
      return f(b[i], b[i + 1], b[i + 2]);
    case 4:
      return f(b[i], b[i + 1], b[i + 2], b[i + 3]);
    case 5:
      return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4]);
    case 6:
      return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5]);
    case 7:
      return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6]);
    default:
      return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
  }
}

/** Python's float text: what `PyOS_string_to_double` accepts, nothing else. */
const PYTHON_FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/** Bytes as character codes 0-255, in chunks small enough for `apply`. */
function charCodes(b: Uint8Array, start: number, n: number): string {
  let s = "";
  for (let i = start; i < start + n; i += 8192) {
    s += String.fromCharCode.apply(
      null,
      b.subarray(i, Math.min(i + 8192, start + n)) as unknown as number[],
    );
  }
  return s;
}

/** Longs with more digits than this are built through hex text, in linear time. */
const LONG_BY_CHUNKS = 60;

/** The value of the 15-bit digits `from` (lowest) to `to` (exclusive); at most 3 digits. */
function digitsValue(b: Uint8Array, start: number, from: number, to: number): number {
  let x = 0;
  for (let i = to - 1; i >= from; i--) {
    x = x * 32768 + (b[start + 2 * i] | b[start + 2 * i + 1] << 8);
  }
  return x;
}

/**
 * The hex digits of a `l` value: every 4 digits of 15 bits are exactly 15
 * hex digits, so the text builds in one pass (a BigInt shifted digit by digit
 * would take quadratic time on a hostile giant number).
 */
function digitsToHex(b: Uint8Array, start: number, count: number): string {
  const digit = (i: number) => i < count ? b[start + 2 * i] | b[start + 2 * i + 1] << 8 : 0;
  const parts: string[] = [];
  for (let g = Math.ceil(count / 4) - 1; g >= 0; g--) {
    const lo = digit(4 * g) | digit(4 * g + 1) << 15; // 30 bits
    const hi = digit(4 * g + 2) | digit(4 * g + 3) << 15; // 30 bits
    parts.push(
      (hi >>> 2).toString(16).padStart(7, "0") +
        (((hi & 3) << 2) | (lo >>> 28)).toString(16) +
        (lo & 0xfffffff).toString(16).padStart(7, "0"),
    );
  }
  return parts.join("");
}

/**
 * Strict UTF-8 that also accepts encoded surrogates (ED A0..BF xx), as
 * Python's `surrogatepass` error handler does.
 */
function decodeUtf8(b: Uint8Array, start: number, n: number): string {
  const end = start + n;
  const units: number[] = [];
  let s = "";
  let i = start;
  const bad = (): never => {
    throw new SerializeError(`marshal: invalid UTF-8 in a string at offset ${i}`);
  };
  const cont = (k: number, lo = 0x80, hi = 0xbf): number => {
    if (i + k >= end) bad();
    const c = b[i + k];
    if (c < lo || c > hi) bad();
    return c & 0x3f;
  };
  while (i < end) {
    const c = b[i];
    let cp: number;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      cp = (c & 0x1f) << 6 | cont(1);
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      cp = (c & 0x0f) << 12 | cont(1, c === 0xe0 ? 0xa0 : 0x80) << 6 | cont(2);
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      cp = (c & 0x07) << 18 | cont(1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf) << 12 |
        cont(2) << 6 | cont(3);
      i += 4;
    } else {
      return bad();
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 | cp >> 10, 0xdc00 | cp & 0x3ff);
    } else units.push(cp);
    if (units.length >= 8192) {
      s += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return s + String.fromCharCode.apply(null, units);
}
