/**
 * The msgpack serializer (id 4): byte for byte what Python's
 * `msgpack.packb(obj, use_bin_type=True)` writes with Pyro5's conventions
 * (ext 0x30 complex, 0x31 big int, 0x32 datetime, 0x33 date), and a decoder
 * that checks every length against the bytes present before allocating.
 * Python: `Pyro5.serializers.MsgpackSerializer`.
 *
 * A call is the array `[object_id, method, vargs, kwargs]`.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { Nesting } from "./nesting.ts";
import { classToDict, dictToClass } from "./registry.ts";
import { ByteReader } from "./byte_reader.ts";
import { ByteWriter } from "./byte_writer.ts";
import { DictBuilder } from "./dict_builder.ts";
import { utf8Decoder, utf8Encoder, utf8Room } from "./text.ts";
import { callFromSequence } from "./call_shape.ts";
import type { Codec, OutgoingCall } from "./codec.ts";
import { type Call, Complex, DEFAULT_MAX_DEPTH, PyFloat, type SerializerOptions } from "./types.ts";

/** Bytes values from this size on are decoded as views of the data rather than copies. */
const VIEW_FROM = 1 << 16;
const EXT_COMPLEX = 0x30;
const EXT_BIGINT = 0x31;
const EXT_DATETIME = 0x32;
const EXT_DATE = 0x33;
const EXT_TIMESTAMP = -1;
/** Days from 0001-01-01 (Python ordinal 1) to 1970-01-01. */
const ORDINAL_EPOCH = 719163;
const MS_PER_DAY = 86400000;

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

class MsgpackEncoder extends ByteWriter {
  readonly #nesting: Nesting;

  constructor(maxDepth: number) {
    super();
    this.#nesting = new Nesting(maxDepth);
  }

  /**
   * @param transient small output may be a view of the scratch buffer, valid until the next
   *   call, and a value holding large bytes is given as parts (see Serializer.dumpsTransient)
   */
  encode(value: unknown, transient: true): Uint8Array | Uint8Array[];
  encode(value: unknown, transient?: false): Uint8Array;
  encode(value: unknown, transient = false): Uint8Array | Uint8Array[] {
    this.begin(transient);
    this.#nesting.reset();
    // No try/finally: after a failed encode, the next begin() starts afresh.
    this.#value(value, 0);
    const out = this.end();
    this.settle();
    return out;
  }

  #head(tag: number, size: number, n: number): void {
    this.ensure(1 + size);
    this.buf[this.pos++] = tag;
    if (size === 1) this.buf[this.pos] = n;
    else if (size === 2) this.view.setUint16(this.pos, n);
    else if (size === 4) this.view.setUint32(this.pos, n);
    this.pos += size;
  }

  #int(n: number): void {
    if (n >= 0) {
      if (n < 128) this.byte(n);
      else if (n < 0x100) this.#head(0xcc, 1, n);
      else if (n < 0x10000) this.#head(0xcd, 2, n);
      else if (n < 0x100000000) this.#head(0xce, 4, n);
      else this.#bigint(BigInt(n));
    } else {
      if (n >= -32) this.byte(n & 0xff);
      else if (n >= -128) this.#head(0xd0, 1, n & 0xff);
      else if (n >= -32768) this.#head(0xd1, 2, n & 0xffff);
      else if (n >= -2147483648) this.#head(0xd2, 4, n >>> 0);
      else this.#bigint(BigInt(n));
    }
  }

  #bigint(n: bigint): void {
    if (n >= -(2n ** 31n) && n < 2n ** 32n) return this.#int(Number(n));
    if (n >= 0n && n <= UINT64_MAX) {
      this.ensure(9);
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, n);
      this.pos += 8;
    } else if (n < 0n && n >= INT64_MIN) {
      this.ensure(9);
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, n);
      this.pos += 8;
    } else {
      this.#ext(EXT_BIGINT, utf8Encoder.encode(n.toString()));
    }
  }

  #float(n: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, n);
    this.pos += 8;
  }

  #str(s: string): void {
    const n = s.length;
    if (n < 32) {
      // Short ASCII strings (keys, names) are most strings: write the bytes directly.
      this.ensure(1 + n);
      const buf = this.buf;
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at + i] = c;
      }
      if (i === n) {
        buf[this.pos] = 0xa0 | n;
        this.pos = at + n;
        return;
      }
    }
    // Reserve the longest header, write the UTF-8 in place, then fix the header.
    const max = utf8Room(s);
    this.ensure(5 + max);
    let headerSize: number;
    if (max < 32) headerSize = 1;
    else if (max < 0x100) headerSize = 2;
    else if (max < 0x10000) headerSize = 3;
    else headerSize = 5;
    const start = this.pos + headerSize;
    const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(start));
    const needed = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (needed !== headerSize) this.buf.copyWithin(this.pos + needed, start, start + written);
    if (needed === 1) this.buf[this.pos] = 0xa0 | written;
    else if (needed === 2) {
      this.buf[this.pos] = 0xd9;
      this.buf[this.pos + 1] = written;
    } else if (needed === 3) {
      this.buf[this.pos] = 0xda;
      this.view.setUint16(this.pos + 1, written);
    } else {
      this.buf[this.pos] = 0xdb;
      this.view.setUint32(this.pos + 1, written);
    }
    this.pos += needed + written;
  }

  #bin(b: Uint8Array): void {
    const n = b.length;
    if (n < 0x100) this.#head(0xc4, 1, n);
    else if (n < 0x10000) this.#head(0xc5, 2, n);
    else this.#head(0xc6, 4, n);
    this.bytes(b, true);
  }

  #ext(type: number, data: Uint8Array): void {
    const n = data.length;
    const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    if (fixed[n]) this.byte(fixed[n]);
    else if (n < 0x100) this.#head(0xc7, 1, n);
    else if (n < 0x10000) this.#head(0xc8, 2, n);
    else this.#head(0xc9, 4, n);
    this.byte(type & 0xff);
    this.bytes(data, false);
  }

  #value(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        return this.#str(value);
      case "number":
        return Number.isSafeInteger(value) && !Object.is(value, -0)
          ? this.#int(value)
          : this.#float(value);
      case "boolean":
        return this.byte(value ? 0xc3 : 0xc2);
      case "bigint":
        return this.#bigint(value);
      case "undefined":
        return this.byte(0xc0);
      case "object":
        if (value === null) return this.byte(0xc0);
        return this.#object(value, depth);
      default:
        throw new SerializeError(`msgpack cannot serialize a ${typeof value}`);
    }
  }

  #object(value: object, depth: number): void {
    if (Array.isArray(value)) {
      this.#nesting.enter(value, depth);
      this.#arrayHead(value.length);
      for (const item of value) this.#value(item, depth + 1);
      this.#nesting.leave();
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      this.#nesting.enter(value, depth);
      const keys = Object.keys(value);
      this.#mapHead(keys.length);
      for (const k of keys) {
        this.#str(k);
        this.#value((value as Record<string, unknown>)[k], depth + 1);
      }
      this.#nesting.leave();
      return;
    }
    if (value instanceof Uint8Array) return this.#bin(value);
    if (value instanceof ArrayBuffer) return this.#bin(new Uint8Array(value));
    if (value instanceof DataView) {
      return this.#bin(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (value instanceof Map) {
      this.#nesting.enter(value, depth);
      this.#mapHead(value.size);
      for (const [k, v] of value) {
        this.#value(k, depth + 1);
        this.#value(v, depth + 1);
      }
      this.#nesting.leave();
      return;
    }
    if (value instanceof Set) return this.#object([...value], depth);
    if (ArrayBuffer.isView(value)) {
      return this.#object(Array.from(value as unknown as ArrayLike<number>), depth);
    }
    if (value instanceof PyFloat) return this.#float(value.value);
    if (value instanceof Complex) {
      const data = new Uint8Array(16);
      const v = new DataView(data.buffer);
      v.setFloat64(0, value.re, true);
      v.setFloat64(8, value.im, true);
      return this.#ext(EXT_COMPLEX, data);
    }
    if (value instanceof Date) {
      const t = value.getTime();
      if (Number.isNaN(t)) throw new SerializeError("msgpack cannot serialize an invalid Date");
      const data = new Uint8Array(8);
      new DataView(data.buffer).setFloat64(0, t / 1000, true);
      return this.#ext(EXT_DATETIME, data);
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return this.#value(value.valueOf(), depth);
    }
    this.#nesting.enter(value, depth);
    this.#value(classToDict(value), depth + 1);
    this.#nesting.leave();
  }

  #arrayHead(n: number): void {
    if (n < 16) this.byte(0x90 | n);
    else if (n < 0x10000) this.#head(0xdc, 2, n);
    else this.#head(0xdd, 4, n);
  }

  #mapHead(n: number): void {
    if (n < 16) this.byte(0x80 | n);
    else if (n < 0x10000) this.#head(0xde, 2, n);
    else this.#head(0xdf, 4, n);
  }
}

/** Dict keys of up to this many bytes are looked up in the key cache. */
const MAX_CACHED_KEY = 16;
const KEY_CACHE_SLOTS = 4096;
// Decoded keys by a hash of their bytes (the bytes kept to compare): most keys repeat.
const keyCacheBytes: Array<Uint8Array | undefined> = new Array(KEY_CACHE_SLOTS);
const keyCacheStrings: string[] = new Array(KEY_CACHE_SLOTS);

class MsgpackDecoder extends ByteReader {
  decode(): unknown {
    return this.end(this.#value(0));
  }

  #value(depth: number): unknown {
    this.need(1);
    const b = this.b;
    const tag = b[this.pos++];
    if (tag < 0x80) return tag;
    if (tag >= 0xe0) return tag - 0x100;
    if (tag >= 0xa0 && tag <= 0xbf) return this.#str(tag & 0x1f);
    if (tag >= 0x90 && tag <= 0x9f) return this.#array(tag & 0x0f, depth);
    if (tag >= 0x80 && tag <= 0x8f) return this.#map(tag & 0x0f, depth);
    const v = this.v;
    switch (tag) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.#bin(b[this.take(1)]);
      case 0xc5:
        return this.#bin(v.getUint16(this.take(2)));
      case 0xc6:
        return this.#bin(v.getUint32(this.take(4)));
      case 0xc7:
        return this.#ext(b[this.take(1)]);
      case 0xc8:
        return this.#ext(v.getUint16(this.take(2)));
      case 0xc9:
        return this.#ext(v.getUint32(this.take(4)));
      case 0xca:
        return v.getFloat32(this.take(4));
      case 0xcb:
        return v.getFloat64(this.take(8));
      case 0xcc:
        return b[this.take(1)];
      case 0xcd:
        return v.getUint16(this.take(2));
      case 0xce:
        return v.getUint32(this.take(4));
      case 0xcf:
        return normalize(v.getBigUint64(this.take(8)));
      case 0xd0:
        return v.getInt8(this.take(1));
      case 0xd1:
        return v.getInt16(this.take(2));
      case 0xd2:
        return v.getInt32(this.take(4));
      case 0xd3:
        return normalize(v.getBigInt64(this.take(8)));
      case 0xd4:
        return this.#ext(1);
      case 0xd5:
        return this.#ext(2);
      case 0xd6:
        return this.#ext(4);
      case 0xd7:
        return this.#ext(8);
      case 0xd8:
        return this.#ext(16);
      case 0xd9:
        return this.#str(b[this.take(1)]);
      case 0xda:
        return this.#str(v.getUint16(this.take(2)));
      case 0xdb:
        return this.#str(v.getUint32(this.take(4)));
      case 0xdc:
        return this.#array(v.getUint16(this.take(2)), depth);
      case 0xdd:
        return this.#array(v.getUint32(this.take(4)), depth);
      case 0xde:
        return this.#map(v.getUint16(this.take(2)), depth);
      case 0xdf:
        return this.#map(v.getUint32(this.take(4)), depth);
    }
    throw new SerializeError(
      `msgpack: invalid type byte 0x${tag.toString(16)} at offset ${this.pos - 1}`,
    );
  }

  #str(n: number): string {
    this.need(n);
    const b = this.b;
    const start = this.pos;
    this.pos += n;
    if (n < 64) {
      // Short ASCII strings are most keys and names: skip the decoder call.
      let s = "";
      for (let i = start; i < start + n; i++) {
        const c = b[i];
        if (c > 0x7f) return this.#utf8(start, n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.#utf8(start, n);
  }

  #key(n: number): string {
    this.need(n);
    const b = this.b;
    const start = this.pos;
    let h = n;
    for (let i = start; i < start + n; i++) h = (h * 31 + b[i]) | 0;
    const slot = h & (KEY_CACHE_SLOTS - 1);
    const cached = keyCacheBytes[slot];
    if (cached !== undefined && cached.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cached[i] !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.pos += n;
        return keyCacheStrings[slot];
      }
    }
    const key = this.#str(n);
    keyCacheBytes[slot] = b.slice(start, start + n);
    keyCacheStrings[slot] = key;
    return key;
  }

  #utf8(start: number, n: number): string {
    try {
      return utf8Decoder.decode(this.b.subarray(start, start + n));
    } catch (e) {
      throw new SerializeError(`msgpack: invalid UTF-8 in a string at offset ${start}`, {
        cause: e,
      });
    }
  }

  #bin(n: number): Uint8Array {
    this.need(n);
    this.pos += n;
    // Small values are copied, since a view would keep the whole received message alive; a
    // large one that is most of that message is handed out as a view, not copied.
    return n >= VIEW_FROM && n * 2 >= this.b.length
      ? this.b.subarray(this.pos - n, this.pos)
      : this.b.slice(this.pos - n, this.pos);
  }

  #array(n: number, depth: number): unknown[] {
    if (depth >= this.maxDepth) {
      throw new SerializeError(
        `msgpack: nesting deeper than ${this.maxDepth} levels at offset ${this.pos}`,
      );
    }
    // Each element takes at least one byte: a count beyond the data is a lie, refuse before allocating.
    this.need(n);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#value(depth + 1);
    return out;
  }

  #map(n: number, depth: number): unknown {
    if (depth >= this.maxDepth) {
      throw new SerializeError(
        `msgpack: nesting deeper than ${this.maxDepth} levels at offset ${this.pos}`,
      );
    }
    this.need(n * 2);
    const dict = new DictBuilder();
    const b = this.b;
    for (let i = 0; i < n; i++) {
      // Keys repeat from dict to dict: short ones come from the key cache.
      const tag = b[this.pos];
      let key: unknown;
      if (tag >= 0xa1 && tag <= 0xa0 + MAX_CACHED_KEY) {
        this.pos++;
        key = this.#key(tag & 0x1f);
      } else key = this.#value(depth + 1);
      dict.set(key, this.#value(depth + 1));
    }
    const built = dict.result();
    return built instanceof Map || typeof built.__class__ !== "string" ? built : dictToClass(built);
  }

  #ext(n: number): unknown {
    this.need(1 + n);
    const type = this.v.getInt8(this.pos);
    const start = this.pos + 1;
    this.pos += 1 + n;
    const data = new DataView(this.b.buffer, this.b.byteOffset + start, n);
    switch (type) {
      case EXT_COMPLEX:
        if (n !== 16) break;
        return new Complex(data.getFloat64(0, true), data.getFloat64(8, true));
      case EXT_BIGINT: {
        const text = this.#utf8(start, n);
        if (!/^-?\d+$/.test(text)) {
          throw new SerializeError(
            `msgpack: ext 0x31 holds no integer: ${JSON.stringify(text.slice(0, 40))}`,
          );
        }
        return normalize(BigInt(text));
      }
      case EXT_DATETIME:
        if (n !== 8) break;
        return new Date(data.getFloat64(0, true) * 1000);
      case EXT_DATE: {
        if (n !== 8 && n !== 4) break;
        const ordinal = n === 8 ? Number(data.getBigInt64(0, true)) : data.getInt32(0, true);
        return new Date((ordinal - ORDINAL_EPOCH) * MS_PER_DAY);
      }
      case EXT_TIMESTAMP:
        return timestamp(data, n);
      default:
        throw new SerializeError(`invalid ext code for msgpack: ${type}`);
    }
    throw new SerializeError(`msgpack: ext 0x${type.toString(16)} has a wrong length ${n}`);
  }
}

function timestamp(data: DataView, n: number): Date {
  if (n === 4) return new Date(data.getUint32(0) * 1000);
  if (n === 8) {
    const hi = data.getUint32(0);
    const nanos = hi >>> 2;
    const seconds = (hi & 3) * 2 ** 32 + data.getUint32(4);
    return new Date(seconds * 1000 + nanos / 1e6);
  }
  if (n === 12) return new Date(Number(data.getBigInt64(4)) * 1000 + data.getUint32(0) / 1e6);
  throw new SerializeError(`msgpack: timestamp ext has a wrong length ${n}`);
}

function normalize(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

class MsgpackCodec implements Codec {
  readonly #encoder: MsgpackEncoder;
  readonly #maxDepth: number;

  constructor(options: SerializerOptions) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#encoder = new MsgpackEncoder(this.#maxDepth);
  }

  dumps(value: unknown, transient: boolean): Uint8Array | Uint8Array[] {
    return transient ? this.#encoder.encode(value, true) : this.#encoder.encode(value);
  }

  loads(data: Uint8Array): unknown {
    return new MsgpackDecoder(data, "msgpack", this.#maxDepth).decode();
  }

  dumpsCall(call: OutgoingCall, transient: boolean): Uint8Array | Uint8Array[] {
    const { objectId, method, vargs, kwargs } = call;
    return this.dumps([objectId, method, vargs, kwargs], transient);
  }

  loadsCall(data: Uint8Array): Call {
    return callFromSequence(this.loads(data));
  }
}

/**
 * The msgpack codec, for the format table.
 *
 * @param options `maxDepth`
 * @returns a codec
 */
export function msgpackCodec(options: SerializerOptions): Codec {
  return new MsgpackCodec(options);
}
