/**
 * The json serializer (id 3): what Python's `json.dumps(obj,
 * ensure_ascii=False)` writes, as Pyro5 uses it, and a tolerant parser of our
 * own (`JSON.parse` knows neither Python's `NaN`/`Infinity` tokens nor ints
 * beyond 2^53). Python: `Pyro5.serializers.JsonSerializer`.
 *
 * A call is the object `{"object": ..., "method": ..., "params": [...], "kwargs": {...}}`.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { Nesting } from "./nesting.ts";
import { pythonFloatRepr } from "./pyfloat.ts";
import { classToDict, dictToClass } from "./registry.ts";
import { setOwn } from "./dict_builder.ts";
import {
  APART_FROM,
  APART_MARK,
  isoFormat,
  piecesOf,
  StrictUtf8Decoder,
  utf8Encoder,
  utf8Pieces,
  utf8Transient,
} from "./text.ts";
import type { Codec, OutgoingCall } from "./codec.ts";
import { type Call, Complex, DEFAULT_MAX_DEPTH, PyFloat, type SerializerOptions } from "./types.ts";

// A whole document: a leading BOM is dropped, as Python drops it from JSON bytes.
const jsonDecoder = new StrictUtf8Decoder();

const ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x08: "\\b",
  0x0c: "\\f",
};
// Characters json.dumps(ensure_ascii=False) escapes: quote, backslash, controls, lone surrogates.
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/;

// What a long string kept apart may not hold, besides lone surrogates: those need an escape.
// deno-lint-ignore no-control-regex
const ESCAPED_IN_ANY_CASE = /["\\\x00-\x1f]/;

function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const esc = ESCAPES[c];
    if (esc) out += esc;
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (
      c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      out += s[i] + s[i + 1];
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\u" + c.toString(16);
    else out += s[i];
  }
  return out + '"';
}

function jsonFloat(n: number): string {
  if (n !== n) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  return pythonFloatRepr(n);
}

function jsonNumber(n: number): string {
  return Number.isSafeInteger(n) && !Object.is(n, -0) ? String(n) : jsonFloat(n);
}

class JsonWriter {
  readonly #nesting: Nesting;
  /** The long strings kept apart by the running write (or by one that failed), if any. */
  #apart: string[] | null = null;

  constructor(maxDepth: number) {
    this.#nesting = new Nesting(maxDepth);
  }

  /**
   * The JSON text, or, when a long string (from `APART_FROM` UTF-16 units) needs no escape, the
   * pieces that join to it, that string one of them as it is: encoded without joining it to the
   * text around it first (a flat copy of the string, see `utf8Pieces`).
   */
  write(value: unknown): string | string[] {
    this.#nesting.reset();
    this.#apart = null;
    const text = this.#value(value, 0);
    const apart = this.#apart;
    if (apart === null) return text;
    this.#apart = null;
    return piecesOf(text, apart);
  }

  #value(value: unknown, depth: number): string {
    switch (typeof value) {
      case "string":
        return value.length >= APART_FROM ? this.#long(value) : jsonString(value);
      case "number":
        return jsonNumber(value);
      case "boolean":
        return value ? "true" : "false";
      case "bigint":
        return value.toString();
      case "undefined":
        return "null";
      case "object":
        return value === null ? "null" : this.#object(value, depth);
      default:
        throw new SerializeError(`json cannot serialize a ${typeof value}`);
    }
  }

  /** A long string: kept apart when it needs no escape, else written as always. */
  #long(s: string): string {
    if (ESCAPED_IN_ANY_CASE.test(s) || !s.isWellFormed()) return jsonString(s);
    (this.#apart ??= []).push(s);
    return '"' + APART_MARK + '"';
  }

  #object(value: object, depth: number): string {
    if (Array.isArray(value) || value instanceof Set) {
      this.#nesting.enter(value, depth);
      let out = "[";
      let first = true;
      for (const item of value) {
        if (!first) out += ", ";
        out += this.#value(item, depth + 1);
        first = false;
      }
      this.#nesting.leave();
      return out + "]";
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null || value instanceof Map) {
      this.#nesting.enter(value, depth);
      let out = "{";
      let first = true;
      const entries = value instanceof Map ? value.entries() : Object.entries(value);
      for (const [k, v] of entries) {
        if (!first) out += ", ";
        out += jsonString(this.#key(k)) + ": " + this.#value(v, depth + 1);
        first = false;
      }
      this.#nesting.leave();
      return out + "}";
    }
    if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView) {
      throw new SerializeError(
        "json cannot serialize bytes (Uint8Array): use serpent, marshal or msgpack",
      );
    }
    if (ArrayBuffer.isView(value)) {
      return this.#object(Array.from(value as unknown as ArrayLike<number>), depth);
    }
    if (value instanceof PyFloat) return jsonFloat(value.value);
    if (value instanceof Complex) throw new SerializeError("json cannot serialize complex numbers");
    if (value instanceof Date) return jsonString(isoFormat(value));
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return this.#value(value.valueOf(), depth);
    }
    this.#nesting.enter(value, depth);
    const out = this.#value(classToDict(value), depth + 1);
    this.#nesting.leave();
    return out;
  }

  /** Dict keys as Python's json module writes them: str, int, float, bool and None only. */
  #key(k: unknown): string {
    switch (typeof k) {
      case "string":
        return k;
      case "number":
        return jsonNumber(k);
      case "bigint":
        return k.toString();
      case "boolean":
        return k ? "true" : "false";
      case "object":
        if (k === null) return "null";
    }
    throw new SerializeError(
      `json dict keys must be str, int, float, bool or None, not ${
        Array.isArray(k) ? "a tuple" : typeof k
      }`,
    );
  }
}

/** A tolerant JSON parser: Python's output, NaN/Infinity, exact big ints, bounded depth. */
class JsonParser {
  readonly #s: string;
  #i = 0;
  readonly #maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.#s = text;
    this.#maxDepth = maxDepth;
  }

  parse(): unknown {
    this.#ws();
    const value = this.#value(0);
    this.#ws();
    if (this.#i < this.#s.length) throw this.#error("unexpected data after the value");
    return value;
  }

  #error(message: string): SerializeError {
    const near = this.#i < this.#s.length
      ? ` near ${JSON.stringify(this.#s.slice(this.#i, this.#i + 12))}`
      : "";
    return new SerializeError(`json: ${message} at offset ${this.#i}${near}`);
  }

  #ws(): void {
    const s = this.#s;
    let c = s.charCodeAt(this.#i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.#i);
  }

  #literal(word: string, value: unknown): unknown {
    if (this.#s.startsWith(word, this.#i)) {
      this.#i += word.length;
      return value;
    }
    throw this.#error("unexpected token");
  }

  #value(depth: number): unknown {
    const c = this.#s.charCodeAt(this.#i);
    switch (c) {
      case 0x22:
        return this.#string();
      case 0x7b:
        return this.#object(depth + 1);
      case 0x5b:
        return this.#array(depth + 1);
      case 0x74:
        return this.#literal("true", true);
      case 0x66:
        return this.#literal("false", false);
      case 0x6e:
        return this.#literal("null", null);
      case 0x4e:
        return this.#literal("NaN", NaN);
      case 0x49:
        return this.#literal("Infinity", Infinity);
    }
    if (c === 0x2d && this.#s.startsWith("-Infinity", this.#i)) {
      return this.#literal("-Infinity", -Infinity);
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
    throw this.#error(this.#i >= this.#s.length ? "unexpected end of data" : "unexpected token");
  }

  #number(): number | bigint {
    const s = this.#s;
    const start = this.#i;
    let i = start;
    if (s.charCodeAt(i) === 0x2d) i++;
    const digits = i;
    while (s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === digits) throw this.#error("invalid number");
    let isFloat = false;
    if (s.charCodeAt(i) === 0x2e) {
      isFloat = true;
      i++;
      while (s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    }
    if ((s.charCodeAt(i) | 0x20) === 0x65) {
      isFloat = true;
      i++;
      if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
      while (s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    }
    this.#i = i;
    const text = s.slice(start, i);
    if (isFloat || text.length < 16) return Number(text);
    const big = BigInt(text);
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  }

  #string(): string {
    const s = this.#s;
    const start = ++this.#i;
    let i = start;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.#i = i + 1;
        return s.slice(start, i);
      }
      if (c === 0x5c) break;
      if (i >= s.length) throw this.#error("unterminated string");
      if (c < 0x20) {
        this.#i = i;
        throw this.#error("control character in string");
      }
      i++;
    }
    let out = s.slice(start, i);
    for (;;) {
      if (i >= s.length) {
        this.#i = i;
        throw this.#error("unterminated string");
      }
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.#i = i + 1;
        return out;
      }
      if (c !== 0x5c) {
        if (c < 0x20) {
          this.#i = i;
          throw this.#error("control character in string");
        }
        out += s[i++];
        continue;
      }
      const e = s.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += "\\";
          break;
        case 0x2f:
          out += "/";
          break;
        case 0x62:
          out += "\b";
          break;
        case 0x66:
          out += "\f";
          break;
        case 0x6e:
          out += "\n";
          break;
        case 0x72:
          out += "\r";
          break;
        case 0x74:
          out += "\t";
          break;
        case 0x75: {
          const hex = s.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.#i = i;
            throw this.#error("invalid \\u escape");
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          this.#i = i - 2;
          throw this.#error("invalid escape");
      }
    }
  }

  #array(depth: number): unknown[] {
    if (depth > this.#maxDepth) throw this.#error(`nesting deeper than ${this.#maxDepth} levels`);
    this.#i++;
    const out: unknown[] = [];
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x5d) {
      this.#i++;
      return out;
    }
    for (;;) {
      this.#ws();
      out.push(this.#value(depth));
      this.#ws();
      const c = this.#s.charCodeAt(this.#i++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        this.#i--;
        throw this.#error("expected , or ]");
      }
    }
  }

  #object(depth: number): unknown {
    if (depth > this.#maxDepth) throw this.#error(`nesting deeper than ${this.#maxDepth} levels`);
    this.#i++;
    const out: Record<string, unknown> = {};
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x7d) {
      this.#i++;
      return out;
    }
    let hasClass = false;
    for (;;) {
      this.#ws();
      if (this.#s.charCodeAt(this.#i) !== 0x22) throw this.#error("expected a string key");
      const key = this.#string();
      this.#ws();
      if (this.#s.charCodeAt(this.#i++) !== 0x3a) {
        this.#i--;
        throw this.#error("expected :");
      }
      this.#ws();
      const value = this.#value(depth);
      setOwn(out, key, value);
      if (key === "__class__") hasClass = true;
      this.#ws();
      const c = this.#s.charCodeAt(this.#i++);
      if (c === 0x7d) return hasClass ? dictToClass(out) : out;
      if (c !== 0x2c) {
        this.#i--;
        throw this.#error("expected , or }");
      }
    }
  }
}

class JsonCodec implements Codec {
  readonly #writer: JsonWriter;
  readonly #maxDepth: number;

  constructor(options: SerializerOptions) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#writer = new JsonWriter(this.#maxDepth);
  }

  dumps(value: unknown, transient: boolean): Uint8Array {
    const text = this.#writer.write(value);
    if (typeof text !== "string") return utf8Pieces(text);
    return transient ? utf8Transient(text) : utf8Encoder.encode(text);
  }

  loads(data: Uint8Array): unknown {
    let text: string;
    try {
      text = jsonDecoder.decode(data);
    } catch (e) {
      throw new SerializeError("json: data is not valid UTF-8", { cause: e });
    }
    return new JsonParser(text, this.#maxDepth).parse();
  }

  dumpsCall(call: OutgoingCall, transient: boolean): Uint8Array {
    const { objectId, method, vargs, kwargs } = call;
    return this.dumps({ object: objectId, method, params: [...vargs], kwargs }, transient);
  }

  loadsCall(data: Uint8Array): Call {
    const value = this.loads(data) as Record<string, unknown>;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new SerializeError(
        "invalid call: expected a json object with object, method, params, kwargs",
      );
    }
    const { object, method, params, kwargs } = value;
    if (typeof object !== "string" || typeof method !== "string") {
      throw new SerializeError("invalid call: object and method must be strings");
    }
    if (!Array.isArray(params)) throw new SerializeError("invalid call: params must be a list");
    if (kwargs !== null && (typeof kwargs !== "object" || Array.isArray(kwargs))) {
      throw new SerializeError("invalid call: kwargs must be an object or null");
    }
    return {
      objectId: object,
      method,
      vargs: params,
      kwargs: kwargs as Record<string, unknown> | null,
    };
  }
}

/**
 * The json codec, for the format table.
 *
 * @param options `maxDepth`
 * @returns a codec
 */
export function jsonCodec(options: SerializerOptions): Codec {
  return new JsonCodec(options);
}
