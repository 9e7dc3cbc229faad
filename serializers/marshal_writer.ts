/**
 * A writer of CPython's `marshal` format (version 4) for the values Pyro
 * sends, with the type codes CPython itself picks (`i` for 32-bit ints, `l`
 * beyond, `z`/`a`/`u` strings, `)` small tuples, sets sorted as CPython 3.11+
 * sorts them). It never sets `FLAG_REF` and never writes back-references:
 * Python reads that fine, and the output is then a plain tree.
 *
 * Pyro's marshal conventions (Python: `convert_obj_into_marshallable`):
 * objects marshal has no code for become the class registry's `__class__`
 * dict and a `Date` becomes its ISO text. Python does this for the top-level
 * value only and fails on a nested object; we convert at any depth.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { Nesting } from "./nesting.ts";
import { ByteWriter } from "./byte_writer.ts";
import { classToDict } from "./registry.ts";
import { isoFormat, utf8Encoder, utf8Room } from "./text.ts";
import { Complex, DEFAULT_MAX_DEPTH, isTuple, PyFloat } from "./types.ts";
import { MarshalCode } from "./marshal_reader.ts";

/** Options of {@linkcode MarshalWriter}. */
export interface MarshalWriteOptions {
  /** Deepest container nesting written (default 1000, as the reader accepts). */
  maxDepth?: number;
}

/** BigInts up to this size are split 45 bits at a time; larger ones through hex text. */
const BY_CHUNKS_BELOW = 2n ** 900n;

/**
 * Writes values in marshal format into one reused, growing buffer.
 *
 * Map keys and set members must be hashable in Python: there arrays are
 * written as tuples and sets as frozensets (at any depth inside them).
 *
 * @example
 * ```ts
 * import { MarshalWriter } from "./marshal_writer.ts";
 * const writer = new MarshalWriter();
 * writer.write([1, "a", null]); // 5b 03000000 69 01000000 7a 01 61 4e
 * ```
 */
export class MarshalWriter extends ByteWriter {
  /** The containers being written: a repeat is a circular reference. */
  readonly #nesting: Nesting;
  /** Object.prototype has no enumerable property (checked once per write). */
  #protoClean = true;
  /** Set members being written: their bytes are sorted in the buffer, so all must be there. */
  #inSet = 0;

  /**
   * Creates a writer.
   * @param options limits
   */
  constructor(options: MarshalWriteOptions = {}) {
    super();
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    // The reader takes maxDepth levels of containers (depths 0 to maxDepth - 1): write no more.
    this.#nesting = new Nesting(maxDepth, maxDepth - 1);
  }

  /**
   * Serializes one value. Python: `marshal.dumps` after Pyro's conversions.
   *
   * @param value any value of the README's type mapping
   * @param transient small output may be a view of the writer's buffer, valid until its next
   *   write, and a value holding large bytes is given as parts (see Serializer.dumpsTransient)
   * @returns a new array with the bytes (or, when transient, possibly that view, or parts)
   * @throws SerializeError for functions, symbols, cycles and too deep nesting
   * @example
   * ```ts
   * import { MarshalWriter } from "./marshal_writer.ts";
   * new MarshalWriter().write(2n ** 64n); // 6c 05000000 0000 0000 0000 0000 1000
   * ```
   */
  write(value: unknown, transient: true): Uint8Array | Uint8Array[];
  write(value: unknown, transient?: false): Uint8Array;
  write(value: unknown, transient = false): Uint8Array | Uint8Array[] {
    this.begin(transient);
    this.#nesting.reset();
    this.#protoClean = nothingEnumerableInherited();
    this.#inSet = 0;
    try {
      this.#value(value, 0, false);
      return this.end();
    } finally {
      this.settle();
      this.#nesting.reset();
    }
  }

  /** A type code and an int32 (a value, a length or a count). */
  #codeInt(code: number, n: number): void {
    this.ensure(5);
    this.buf[this.pos] = code;
    this.view.setInt32(this.pos + 1, n, true);
    this.pos += 5;
  }

  #codeFloat(code: number, x: number): void {
    this.ensure(9);
    this.buf[this.pos] = code;
    this.view.setFloat64(this.pos + 1, x, true);
    this.pos += 9;
  }

  #value(value: unknown, depth: number, key: boolean): void {
    switch (typeof value) {
      case "string":
        return this.#str(value);
      case "number":
        // `| 0` keeps exactly the int32 values, and -0, which must stay a float.
        if ((value | 0) === value) {
          if (value !== 0 || 1 / value > 0) return this.#codeInt(MarshalCode.INT, value);
        } else if (Number.isSafeInteger(value)) return this.#longNumber(value);
        return this.#codeFloat(MarshalCode.BINARY_FLOAT, value);
      case "boolean":
        return this.byte(value ? MarshalCode.TRUE : MarshalCode.FALSE);
      case "bigint":
        if (value >= -2147483648n && value <= 2147483647n) {
          return this.#codeInt(MarshalCode.INT, Number(value));
        }
        if (value >= -BY_CHUNKS_BELOW && value <= BY_CHUNKS_BELOW) return this.#longChunks(value);
        return this.#longBig(value);
      case "undefined":
        return this.byte(MarshalCode.NONE);
      case "object":
        if (value === null) return this.byte(MarshalCode.NONE);
        return this.#object(value, depth, key);
      default:
        throw new SerializeError(`marshal cannot serialize a ${typeof value}`);
    }
  }

  /** `l` for a safe integer beyond int32: three or four 15-bit digits. */
  #longNumber(n: number): void {
    const a = n < 0 ? -n : n;
    // Two 30-bit halves, then plain integer arithmetic.
    const lo = a % 0x40000000;
    const hi = (a - lo) / 0x40000000;
    const count = hi > 0x7fff ? 4 : 3;
    this.ensure(5 + 8);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = MarshalCode.LONG;
    this.view.setInt32(p + 1, n < 0 ? -count : count, true);
    this.view.setUint16(p + 5, lo & 0x7fff, true);
    this.view.setUint16(p + 7, lo >>> 15, true);
    this.view.setUint16(p + 9, hi & 0x7fff, true);
    if (count === 4) this.view.setUint16(p + 11, hi >>> 15, true);
    this.pos = p + 5 + 2 * count;
  }

  /** `l` for a BigInt of moderate size: 45 bits (three digits) at a time. */
  #longChunks(n: bigint): void {
    let a = n < 0n ? -n : n;
    this.ensure(5 + 2 * 3 * 21);
    const buf = this.buf;
    const start = this.pos;
    let p = start + 5;
    while (a > 0n) {
      let chunk = Number(a & 0x1fffffffffffn);
      a >>= 45n;
      for (let k = 0; k < 3; k++) {
        const d = chunk % 32768;
        buf[p++] = d & 0xff;
        buf[p++] = d >> 8;
        chunk = (chunk - d) / 32768;
      }
    }
    // The top chunk may end in zero digits: they are not part of the number.
    while (buf[p - 1] === 0 && buf[p - 2] === 0) p -= 2;
    const count = (p - start - 5) / 2;
    buf[start] = MarshalCode.LONG;
    this.view.setInt32(start + 1, n < 0n ? -count : count, true);
    this.pos = p;
  }

  /**
   * `l` for a BigInt: its hex text read 15 hex digits (= four 15-bit digits)
   * at a time, which stays linear for huge numbers.
   */
  #longBig(n: bigint): void {
    const hex = (n < 0n ? -n : n).toString(16);
    const groups = Math.ceil(hex.length / 15);
    const padded = hex.padStart(groups * 15, "0");
    this.ensure(5 + groups * 8);
    const start = this.pos;
    let p = start + 5;
    let last = p; // just after the highest non-zero digit
    for (let g = groups - 1; g >= 0; g--) {
      const at = g * 15;
      const high = parseInt(padded.slice(at, at + 7), 16); // bits 32..59
      const mid = parseInt(padded[at + 7], 16); // bits 28..31
      const low = parseInt(padded.slice(at + 8, at + 15), 16); // bits 0..27
      const lo30 = low | (mid & 3) << 28;
      const hi30 = high << 2 | mid >> 2;
      for (const d of [lo30 & 0x7fff, lo30 >>> 15, hi30 & 0x7fff, hi30 >>> 15]) {
        this.buf[p++] = d & 0xff;
        this.buf[p++] = d >> 8;
        if (d !== 0) last = p;
      }
    }
    const count = (last - start - 5) / 2;
    this.buf[start] = MarshalCode.LONG;
    this.view.setInt32(start + 1, n < 0n ? -count : count, true);
    this.pos = last;
  }

  /** `z` for short ASCII, `a` for longer ASCII, else `u` (UTF-8, surrogatepass), as CPython. */
  #str(s: string): void {
    const n = s.length;
    if (n < 256) {
      // Room for the longest form: 'u', a length, 3 bytes per UTF-16 unit.
      this.ensure(5 + n * 3);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[start + 2 + i] = c;
      }
      if (i === n) {
        buf[start] = MarshalCode.SHORT_ASCII;
        buf[start + 1] = n;
        this.pos = start + 2 + n;
        return;
      }
      // Not ASCII: move the ASCII start behind a 'u' header and encode the rest here,
      // cheaper than the native encoder for short text.
      buf.copyWithin(start + 5, start + 2, start + 2 + i);
      const written = i + encodeSurrogatePass(s, i, buf, start + 5 + i);
      buf[start] = MarshalCode.UNICODE;
      this.view.setInt32(start + 1, written, true);
      this.pos = start + 5 + written;
      return;
    }
    this.ensure(5 + utf8Room(s));
    const start = this.pos;
    let written = utf8Encoder.encodeInto(s, this.buf.subarray(start + 5)).written;
    let code: number = MarshalCode.UNICODE;
    // One byte per UTF-16 unit happens only when every character is ASCII.
    if (written === n) code = MarshalCode.ASCII;
    else if (!s.isWellFormed()) written = encodeSurrogatePass(s, 0, this.buf, start + 5);
    this.buf[start] = code;
    this.view.setInt32(start + 1, written, true);
    this.pos = start + 5 + written;
  }

  #bytes(b: Uint8Array): void {
    this.#codeInt(MarshalCode.STRING, b.length);
    this.bytes(b, this.#inSet === 0);
  }

  #object(value: object, depth: number, key: boolean): void {
    if (Array.isArray(value)) {
      this.#nesting.enter(value, depth);
      const n = value.length;
      if (!key && !isTuple(value)) this.#codeInt(MarshalCode.LIST, n);
      else if (n < 256) {
        this.ensure(2);
        this.buf[this.pos++] = MarshalCode.SMALL_TUPLE;
        this.buf[this.pos++] = n;
      } else this.#codeInt(MarshalCode.TUPLE, n);
      for (let i = 0; i < n; i++) this.#value(value[i], depth + 1, key);
      this.#nesting.leave();
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      this.#nesting.enter(value, depth);
      this.byte(MarshalCode.DICT);
      const record = value as Record<string, unknown>;
      if (this.#protoClean || proto === null) {
        // for-in is the engines' fastest walk over own keys; with nothing enumerable
        // inherited it sees exactly the own enumerable string keys.
        for (const k in record) {
          this.#str(k);
          this.#value(record[k], depth + 1, false);
        }
      } else {
        for (const k of Object.keys(record)) {
          this.#str(k);
          this.#value(record[k], depth + 1, false);
        }
      }
      this.byte(MarshalCode.NULL);
      this.#nesting.leave();
      return;
    }
    if (value instanceof Map) {
      this.#nesting.enter(value, depth);
      this.byte(MarshalCode.DICT);
      for (const [k, v] of value) {
        this.#value(k, depth + 1, true);
        this.#value(v, depth + 1, false);
      }
      this.byte(MarshalCode.NULL);
      this.#nesting.leave();
      return;
    }
    if (value instanceof Set) return this.#set(value, depth, key);
    if (value instanceof Uint8Array) return this.#bytes(value);
    if (value instanceof ArrayBuffer) return this.#bytes(new Uint8Array(value));
    if (value instanceof DataView) {
      return this.#bytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (ArrayBuffer.isView(value)) {
      // Other typed arrays travel as a list of their numbers, as Pyro sends array.array.
      return this.#object(Array.from(value as unknown as ArrayLike<number>), depth, key);
    }
    if (value instanceof PyFloat) return this.#codeFloat(MarshalCode.BINARY_FLOAT, value.value);
    if (value instanceof Complex) {
      this.#codeFloat(MarshalCode.BINARY_COMPLEX, value.re);
      this.ensure(8);
      this.view.setFloat64(this.pos, value.im, true);
      this.pos += 8;
      return;
    }
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new SerializeError("marshal cannot serialize an invalid Date");
      }
      return this.#str(isoFormat(value));
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return this.#value(value.valueOf(), depth, key);
    }
    this.#nesting.enter(value, depth);
    this.#value(classToDict(value), depth, key);
    this.#nesting.leave();
  }

  /**
   * `<` (or `>` where Python needs something hashable), members sorted by
   * their bytes as CPython 3.11+ does (bpo-37596), so equal sets give equal
   * bytes. CPython's member bytes carry FLAG_REF bits and ours do not, so a
   * set mixing types may come out in another order than CPython's.
   */
  #set(set: Set<unknown>, depth: number, key: boolean): void {
    this.#nesting.enter(set, depth);
    this.#codeInt(key ? MarshalCode.FROZENSET : MarshalCode.SET, set.size);
    const start = this.pos;
    const ends: number[] = [];
    this.#inSet++;
    for (const item of set) {
      this.#value(item, depth + 1, true);
      ends.push(this.pos);
    }
    this.#inSet--;
    if (ends.length > 1) {
      const members: Uint8Array[] = [];
      let from = start;
      for (const end of ends) {
        members.push(this.buf.slice(from, end));
        from = end;
      }
      members.sort(compareBytes);
      let p = start;
      for (const m of members) {
        this.buf.set(m, p);
        p += m.length;
      }
    }
    this.#nesting.leave();
  }
}

function nothingEnumerableInherited(): boolean {
  for (const _ in {}) return false;
  return true;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * UTF-8 of `s` from index `from`, with lone surrogates written as their own
 * 3-byte sequences, as Python's `surrogatepass` does, so such a string
 * reaches Python unchanged. The caller has room for 3 bytes per UTF-16 unit.
 */
function encodeSurrogatePass(s: string, from: number, buf: Uint8Array, at: number): number {
  let p = at;
  for (let i = from; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[p++] = 0xc0 | c >> 6;
      buf[p++] = 0x80 | c & 0x3f;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        buf[p++] = 0xf0 | c >> 18;
        buf[p++] = 0x80 | c >> 12 & 0x3f;
        buf[p++] = 0x80 | c >> 6 & 0x3f;
        buf[p++] = 0x80 | c & 0x3f;
        continue;
      }
    }
    buf[p++] = 0xe0 | c >> 12;
    buf[p++] = 0x80 | c >> 6 & 0x3f;
    buf[p++] = 0x80 | c & 0x3f;
  }
  return p - at;
}
