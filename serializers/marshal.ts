/**
 * The marshal serializer (id 2): a reader of what CPython 3's `marshal`
 * writes (format 4: FLAG_REF and back-references included) and a writer of the
 * types Pyro sends. Code objects and unknown type codes are refused.
 * Python: `Pyro5.serializers.MarshalSerializer`.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { classToDict, dictToClass } from "./registry.ts";
import { DictBuilder } from "./dict_builder.ts";
import { isoFormat, utf8Encoder } from "./text.ts";
import {
  type Call,
  Complex,
  DEFAULT_MAX_DEPTH,
  isTuple,
  PyFloat,
  type Serializer,
  tuple,
} from "./types.ts";
import { callFromValue } from "./serpent.ts";

/** Options of the marshal serializer. */
export interface MarshalOptions {
  /** Deepest nesting accepted, both ways. */
  maxDepth?: number;
}

const FLAG_REF = 0x80;
const lenientUtf8 = new TextDecoder("utf-8");
const latin1 = new TextDecoder("latin1");

class MarshalWriter {
  #buf = new Uint8Array(65536);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;
  readonly #maxDepth: number;
  #stack: object[] = [];

  constructor(maxDepth: number) {
    this.#maxDepth = maxDepth;
  }

  write(value: unknown): Uint8Array {
    this.#pos = 0;
    this.#stack.length = 0;
    this.#value(value, 0);
    const out = this.#buf.slice(0, this.#pos);
    if (this.#buf.length > 1 << 24) {
      this.#buf = new Uint8Array(65536);
      this.#view = new DataView(this.#buf.buffer);
    }
    return out;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #code(c: string): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = c.charCodeAt(0);
  }

  #i32(n: number): void {
    this.#ensure(4);
    this.#view.setInt32(this.#pos, n, true);
    this.#pos += 4;
  }

  #f64(n: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, n, true);
    this.#pos += 8;
  }

  #int(n: number | bigint): void {
    if (typeof n === "number" && n >= -2147483648 && n <= 2147483647) {
      this.#code("i");
      this.#i32(n);
      return;
    }
    // 'l': the count of 15-bit digits (negative for negative numbers), then the digits, least significant first.
    let big = BigInt(n);
    const negative = big < 0n;
    if (negative) big = -big;
    const digits: number[] = [];
    while (big > 0n) {
      digits.push(Number(big & 0x7fffn));
      big >>= 15n;
    }
    this.#code("l");
    this.#i32(negative ? -digits.length : digits.length);
    this.#ensure(digits.length * 2);
    for (const d of digits) {
      this.#view.setUint16(this.#pos, d, true);
      this.#pos += 2;
    }
  }

  #str(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      if (s.length < 256) {
        this.#ensure(2 + s.length);
        this.#buf[this.#pos++] = 0x7a; // 'z'
        this.#buf[this.#pos++] = s.length;
      } else {
        this.#code("a");
        this.#i32(s.length);
        this.#ensure(s.length);
      }
      for (let i = 0; i < s.length; i++) this.#buf[this.#pos++] = s.charCodeAt(i);
      return;
    }
    const bytes = utf8Encoder.encode(s);
    this.#code("u");
    this.#i32(bytes.length);
    this.#bytes(bytes);
  }

  #bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  #enter(obj: object, depth: number): void {
    if (this.#stack.includes(obj)) throw new SerializeError("circular reference detected");
    if (depth > this.#maxDepth) {
      throw new SerializeError(
        `object graph nesting too deep (more than ${this.#maxDepth} levels)`,
      );
    }
    this.#stack.push(obj);
  }

  #value(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        return this.#str(value);
      case "number":
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return this.#int(value);
        this.#code("g");
        return this.#f64(value);
      case "boolean":
        return this.#code(value ? "T" : "F");
      case "bigint":
        return this.#int(value);
      case "undefined":
        return this.#code("N");
      case "object":
        if (value === null) return this.#code("N");
        return this.#object(value, depth);
      default:
        throw new SerializeError(`marshal cannot serialize a ${typeof value}`);
    }
  }

  #sequence(
    code: string,
    items: Iterable<unknown>,
    count: number,
    obj: object,
    depth: number,
  ): void {
    this.#enter(obj, depth);
    if (code === ")" && count >= 256) code = "(";
    if (code === ")") {
      this.#code(")");
      this.#ensure(1);
      this.#buf[this.#pos++] = count;
    } else {
      this.#code(code);
      this.#i32(count);
    }
    for (const item of items) this.#value(item, depth + 1);
    this.#stack.pop();
  }

  #object(value: object, depth: number): void {
    if (Array.isArray(value)) {
      return this.#sequence(isTuple(value) ? ")" : "[", value, value.length, value, depth);
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null || value instanceof Map) {
      this.#enter(value, depth);
      this.#code("{");
      const entries = value instanceof Map ? value.entries() : Object.entries(value);
      for (const [k, v] of entries) {
        this.#value(Array.isArray(k) ? tuple(...k) : k, depth + 1);
        this.#value(v, depth + 1);
      }
      this.#code("0");
      this.#stack.pop();
      return;
    }
    if (value instanceof Set) {
      // CPython 3.11+ writes set members sorted by their marshalled bytes, for reproducible output.
      this.#enter(value, depth);
      const members: Uint8Array[] = [];
      for (const item of value) {
        const sub = new MarshalWriter(this.#maxDepth - depth - 1);
        members.push(sub.write(item));
      }
      members.sort(compareBytes);
      this.#code("<");
      this.#i32(members.length);
      for (const m of members) this.#bytes(m);
      this.#stack.pop();
      return;
    }
    if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView) {
      const b = value instanceof Uint8Array
        ? value
        : value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      this.#code("s");
      this.#i32(b.length);
      return this.#bytes(b);
    }
    if (ArrayBuffer.isView(value)) {
      return this.#object(Array.from(value as unknown as ArrayLike<number>), depth);
    }
    if (value instanceof PyFloat) {
      this.#code("g");
      return this.#f64(value.value);
    }
    if (value instanceof Complex) {
      this.#code("y");
      this.#f64(value.re);
      return this.#f64(value.im);
    }
    if (value instanceof Date) return this.#str(isoFormat(value));
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return this.#value(value.valueOf(), depth);
    }
    // Python converts only top-level objects and fails on nested ones; we convert at any depth.
    this.#enter(value, depth);
    this.#value(classToDict(value), depth + 1);
    this.#stack.pop();
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

class MarshalReader {
  readonly #b: Uint8Array;
  readonly #v: DataView;
  #pos = 0;
  readonly #refs: unknown[] = [];
  readonly #maxDepth: number;

  constructor(data: Uint8Array, maxDepth: number) {
    this.#b = data;
    this.#v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#maxDepth = maxDepth;
  }

  read(): unknown {
    const value = this.#value(0);
    if (this.#pos !== this.#b.length) {
      throw new SerializeError(
        `marshal: ${this.#b.length - this.#pos} extra bytes after the value at offset ${this.#pos}`,
      );
    }
    return value;
  }

  #need(n: number): void {
    if (n < 0 || this.#pos + n > this.#b.length) {
      throw new SerializeError(
        `marshal: truncated data: need ${n} bytes at offset ${this.#pos}, ${
          this.#b.length - this.#pos
        } left`,
      );
    }
  }

  #i32(): number {
    this.#need(4);
    this.#pos += 4;
    return this.#v.getInt32(this.#pos - 4, true);
  }

  #count(): number {
    const n = this.#i32();
    if (n < 0) throw new SerializeError(`marshal: negative size ${n} at offset ${this.#pos - 4}`);
    return n;
  }

  #f64(): number {
    this.#need(8);
    this.#pos += 8;
    return this.#v.getFloat64(this.#pos - 8, true);
  }

  #raw(n: number): Uint8Array {
    this.#need(n);
    this.#pos += n;
    return this.#b.subarray(this.#pos - n, this.#pos);
  }

  /** Keeps a decoded object in the reference table when its code had FLAG_REF. */
  #ref<T>(flag: boolean, value: T): T {
    if (flag) this.#refs.push(value);
    return value;
  }

  #value(depth: number): unknown {
    this.#need(1);
    const at = this.#pos;
    const byte = this.#b[this.#pos++];
    const flag = (byte & FLAG_REF) !== 0;
    const code = String.fromCharCode(byte & ~FLAG_REF);
    switch (code) {
      case "N":
        return null;
      case "T":
        return true;
      case "F":
        return false;
      case "S":
        throw new SerializeError(`marshal: StopIteration is not a value (offset ${at})`);
      case ".":
        throw new SerializeError(`marshal: Ellipsis has no JavaScript value (offset ${at})`);
      case "i":
        return this.#ref(flag, this.#i32());
      case "l":
        return this.#ref(flag, this.#long());
      case "g":
        return this.#ref(flag, this.#f64());
      case "y": {
        const re = this.#f64();
        return this.#ref(flag, new Complex(re, this.#f64()));
      }
      case "f":
      case "x": {
        // Old text floats: a length byte, then the digits.
        const text = () => {
          this.#need(1);
          return latin1.decode(this.#raw(this.#b[this.#pos++]));
        };
        const parse = (t: string) => {
          const n = Number(t);
          if (Number.isNaN(n) && !/nan/i.test(t)) {
            throw new SerializeError(`marshal: invalid float text at offset ${at}`);
          }
          return n;
        };
        if (code === "f") return this.#ref(flag, parse(text()));
        const re = parse(text());
        return this.#ref(flag, new Complex(re, parse(text())));
      }
      case "s":
        return this.#ref(flag, this.#raw(this.#count()).slice());
      case "u":
      case "t":
        return this.#ref(flag, lenientUtf8.decode(this.#raw(this.#count())));
      case "a":
      case "A":
        return this.#ref(flag, latin1.decode(this.#raw(this.#count())));
      case "z":
      case "Z": {
        this.#need(1);
        return this.#ref(flag, latin1.decode(this.#raw(this.#b[this.#pos++])));
      }
      case "(":
      case ")":
      case "[":
      case "<":
      case ">": {
        let n: number;
        if (code === ")") {
          this.#need(1);
          n = this.#b[this.#pos++];
        } else n = this.#count();
        if (depth >= this.#maxDepth) {
          throw new SerializeError(
            `marshal: nesting deeper than ${this.#maxDepth} levels at offset ${at}`,
          );
        }
        // Every item takes at least one byte: refuse impossible counts before allocating.
        this.#need(n);
        const items: unknown[] = [];
        const slot = flag ? this.#refs.push(items) - 1 : -1;
        for (let i = 0; i < n; i++) items.push(this.#value(depth + 1));
        if (code === "<" || code === ">") {
          const set = new Set(items);
          if (slot >= 0) this.#refs[slot] = set;
          return set;
        }
        return items;
      }
      case "{": {
        if (depth >= this.#maxDepth) {
          throw new SerializeError(
            `marshal: nesting deeper than ${this.#maxDepth} levels at offset ${at}`,
          );
        }
        const dict = new DictBuilder();
        const slot = flag ? this.#refs.push(dict.result()) - 1 : -1;
        for (;;) {
          this.#need(1);
          if (this.#b[this.#pos] === 0x30) {
            this.#pos++;
            break;
          }
          const key = this.#value(depth + 1);
          dict.set(key, this.#value(depth + 1));
        }
        const built = dict.result();
        const result = built instanceof Map || typeof built.__class__ !== "string"
          ? built
          : dictToClass(built);
        if (slot >= 0) this.#refs[slot] = result;
        return result;
      }
      case "r": {
        const index = this.#i32();
        if (index < 0 || index >= this.#refs.length) {
          throw new SerializeError(
            `marshal: back-reference ${index} out of range (${this.#refs.length} objects) at offset ${at}`,
          );
        }
        return this.#refs[index];
      }
      case "c":
        throw new SerializeError(`marshal: refusing a code object at offset ${at}`);
    }
    throw new SerializeError(
      `marshal: unknown type code 0x${byte.toString(16).padStart(2, "0")} at offset ${at}`,
    );
  }

  #long(): number | bigint {
    const n = this.#i32();
    const count = Math.abs(n);
    this.#need(count * 2);
    let value = 0n;
    for (let i = count - 1; i >= 0; i--) {
      const digit = this.#v.getUint16(this.#pos + i * 2, true);
      if (digit > 0x7fff) {
        throw new SerializeError(`marshal: bad long digit at offset ${this.#pos + i * 2}`);
      }
      value = (value << 15n) | BigInt(digit);
    }
    this.#pos += count * 2;
    if (n < 0) value = -value;
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
  }
}

/**
 * Pyro5's marshal serializer.
 *
 * @example
 * ```ts
 * import { MarshalSerializer } from "./marshal.ts";
 * const marshal = new MarshalSerializer();
 * marshal.loads(new Uint8Array([0xe9, 0x2a, 0, 0, 0])); // 42
 * ```
 */
export class MarshalSerializer implements Serializer {
  /** The serializer name. */
  readonly name = "marshal" as const;
  /** The header id. */
  readonly id = 2;
  readonly #writer: MarshalWriter;
  readonly #maxDepth: number;

  /**
   * Creates an instance.
   * @param options see {@linkcode MarshalOptions}
   */
  constructor(options: MarshalOptions = {}) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#writer = new MarshalWriter(this.#maxDepth);
  }

  /** Serializes one value. */
  dumps(value: unknown): Uint8Array {
    return this.#writer.write(value);
  }

  /** Deserializes one value. */
  loads(data: Uint8Array): unknown {
    return new MarshalReader(data, this.#maxDepth).read();
  }

  /** Serializes a call: `(object_id, method, vargs_list, kwargs)`, as Pyro5 does. */
  dumpsCall(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array {
    return this.dumps(tuple(objectId, method, [...vargs], kwargs));
  }

  /** Deserializes a call. */
  loadsCall(data: Uint8Array): Call {
    return callFromValue(this.loads(data));
  }
}
