/**
 * The serpent parser: reads the Python literal grammar that serpent writes and
 * `ast.literal_eval` accepts (None, True, False, numbers of any size, complex,
 * all string and bytes literal forms, tuples, lists, dicts, sets, `set()`),
 * with comments and any whitespace between tokens. Anything else is an error:
 * nothing is ever evaluated.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { dictToClass } from "./registry.ts";
import { fromBase64 } from "./text.ts";
import { Complex, DEFAULT_MAX_DEPTH, tuple } from "./types.ts";

/** Options of the parser. */
export interface SerpentParseOptions {
  /** Deepest container nesting accepted. */
  maxDepth?: number;
  /** Return tuples as arrays marked with `tuple()` (default: plain arrays). */
  markTuples?: boolean;
  /** Turn `__class__` dicts into objects through the class registry (default true). */
  convertClasses?: boolean;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x5f;
}

/** A parser for one serpent text; make a new one per text. */
export class SerpentParser {
  readonly #s: string;
  #i = 0;
  readonly #maxDepth: number;
  readonly #markTuples: boolean;
  readonly #convert: boolean;

  /**
   * @param text the serpent text (header line optional)
   * @param options see {@linkcode SerpentParseOptions}
   */
  constructor(text: string, options: SerpentParseOptions = {}) {
    this.#s = text;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#markTuples = options.markTuples ?? false;
    this.#convert = options.convertClasses ?? true;
  }

  /** Parses the whole text as one expression. */
  parse(): unknown {
    this.#ws();
    if (this.#i >= this.#s.length) throw this.#error("empty input, expected an expression");
    const value = this.#expr(0);
    this.#ws();
    if (this.#i < this.#s.length) {
      throw this.#error(`unexpected ${this.#describe()} after the expression`);
    }
    return value;
  }

  #error(message: string): SerializeError {
    return new SerializeError(`serpent: ${message} at offset ${this.#i}`);
  }

  #describe(): string {
    if (this.#i >= this.#s.length) return "end of input";
    return JSON.stringify(this.#s.slice(this.#i, this.#i + 12));
  }

  #ws(): void {
    const s = this.#s;
    let i = this.#i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c) i++;
      else if (c === 0x23) {
        while (i < s.length && s.charCodeAt(i) !== 0x0a) i++;
      } else if (c === 0x5c && (s.charCodeAt(i + 1) === 0x0a || s.charCodeAt(i + 1) === 0x0d)) {
        i += 2; // explicit line continuation
      } else break;
    }
    this.#i = i;
  }

  #expect(ch: number, what: string): void {
    this.#ws();
    if (this.#s.charCodeAt(this.#i) !== ch) {
      throw this.#error(`expected ${what}, got ${this.#describe()}`);
    }
    this.#i++;
  }

  /** An expression: a signed primary, and the `real ± imaginary` complex form. */
  #expr(depth: number): unknown {
    this.#ws();
    let value = this.#unary(depth);
    // literal_eval allows `a + bj` / `a - bj` where a is a real number and b imaginary.
    for (;;) {
      this.#ws();
      const c = this.#s.charCodeAt(this.#i);
      if (c !== 0x2b && c !== 0x2d) return value;
      if (!isRealNumber(value)) {
        throw this.#error("operators are only allowed to write complex numbers");
      }
      this.#i++;
      this.#ws();
      const right = this.#unary(depth);
      if (!(right instanceof Complex) || right.re !== 0) {
        throw this.#error("the right side of + or - must be an imaginary number");
      }
      const re = Number(value);
      value = new Complex(re, c === 0x2b ? right.im : -right.im);
    }
  }

  #unary(depth: number): unknown {
    // Signs are collected in a loop: a long run of them must not grow the stack.
    let negate = false;
    let signs = 0;
    for (;;) {
      const c = this.#s.charCodeAt(this.#i);
      if (c !== 0x2d && c !== 0x2b) break;
      if (c === 0x2d) negate = !negate;
      signs++;
      this.#i++;
      this.#ws();
    }
    const operand = this.#primary(depth);
    if (signs === 0) return operand;
    if (typeof operand === "number") return negate ? -operand : operand;
    if (typeof operand === "bigint") return negate ? normalizeInt(-operand) : operand;
    if (operand instanceof Complex) return negate ? new Complex(-operand.re, -operand.im) : operand;
    throw this.#error("a sign (+ or -) needs a number");
  }

  #primary(depth: number): unknown {
    const s = this.#s;
    const c = s.charCodeAt(this.#i);
    if (c === 0x27 || c === 0x22) return this.#strings();
    if (isDigit(c) || (c === 0x2e && isDigit(s.charCodeAt(this.#i + 1)))) return this.#number();
    if (depth >= this.#maxDepth) throw this.#error(`nesting deeper than ${this.#maxDepth} levels`);
    if (c === 0x28) return this.#paren(depth + 1);
    if (c === 0x5b) return this.#list(depth + 1);
    if (c === 0x7b) return this.#brace(depth + 1);
    if (isNameChar(c)) {
      const start = this.#i;
      while (isNameChar(s.charCodeAt(this.#i))) this.#i++;
      const name = s.slice(start, this.#i);
      const q = s.charCodeAt(this.#i);
      if ((q === 0x27 || q === 0x22) && /^(?:[uU]|[bB]|[rR]|[bB][rR]|[rR][bB])$/.test(name)) {
        this.#i = start;
        return this.#strings();
      }
      switch (name) {
        case "None":
          return null;
        case "True":
          return true;
        case "False":
          return false;
        case "set": {
          // `set()` is how literal_eval spells an empty set; nothing else is callable.
          this.#ws();
          if (s.charCodeAt(this.#i) === 0x28) {
            this.#i++;
            this.#ws();
            if (s.charCodeAt(this.#i) === 0x29) {
              this.#i++;
              return new Set();
            }
          }
          this.#i = start;
          throw this.#error("only set() may be called");
        }
      }
      this.#i = start;
      throw this.#error(`names are not literals: ${JSON.stringify(name)} is not allowed`);
    }
    throw this.#error(`unexpected ${this.#describe()}`);
  }

  #number(): number | bigint | Complex {
    const s = this.#s;
    const start = this.#i;
    let i = start;
    const c1 = s.charCodeAt(i + 1) | 0x20;
    if (s.charCodeAt(i) === 0x30 && (c1 === 0x78 || c1 === 0x6f || c1 === 0x62)) {
      const radix = c1 === 0x78 ? 16 : c1 === 0x6f ? 8 : 2;
      i += 2;
      const digitsStart = i;
      while (i < s.length && /[0-9a-fA-F_]/.test(s[i])) i++;
      const digits = s.slice(digitsStart, i).replaceAll("_", "");
      this.#i = i;
      if (!digits || [...digits].some((d) => parseInt(d, 16) >= radix)) {
        throw this.#error("invalid number literal");
      }
      const prefix = radix === 16 ? "0x" : radix === 8 ? "0o" : "0b";
      return normalizeInt(BigInt(prefix + digits));
    }
    let isFloat = false;
    while (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 0x5f) i++;
    if (s.charCodeAt(i) === 0x2e) {
      isFloat = true;
      i++;
      while (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 0x5f) i++;
    }
    const e = s.charCodeAt(i) | 0x20;
    if (e === 0x65) {
      let j = i + 1;
      const sign = s.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (isDigit(s.charCodeAt(j))) {
        isFloat = true;
        i = j;
        while (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 0x5f) i++;
      }
    }
    let text = s.slice(start, i);
    if (text.includes("_")) {
      if (/_(?![0-9])|(?<![0-9])_/.test(text)) throw this.#error("invalid number literal");
      text = text.replaceAll("_", "");
    }
    const imaginary = (s.charCodeAt(i) | 0x20) === 0x6a;
    if (imaginary) i++;
    if (isNameChar(s.charCodeAt(i))) {
      this.#i = i;
      throw this.#error("invalid number literal");
    }
    this.#i = i;
    if (imaginary) return new Complex(0, Number(text));
    if (isFloat) return Number(text);
    if (text.length > 1 && text.charCodeAt(0) === 0x30 && /[1-9]/.test(text)) {
      throw this.#error("leading zeros in decimal integer literals are not permitted");
    }
    if (text.length < 16) return Number(text);
    return normalizeInt(BigInt(text));
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  #strings(): string | Uint8Array {
    let result: string | Uint8Array | undefined;
    for (;;) {
      const part = this.#stringLiteral();
      if (result === undefined) result = part;
      else if (typeof result === "string" && typeof part === "string") result += part;
      else if (result instanceof Uint8Array && part instanceof Uint8Array) {
        result = concatBytes(result, part);
      } else throw this.#error("cannot mix bytes and str literals");
      const save = this.#i;
      this.#ws();
      const c = this.#s.charCodeAt(this.#i);
      const next = this.#s.charCodeAt(this.#i + 1);
      const isStart = c === 0x27 || c === 0x22 ||
        ((c | 0x20) === 0x62 || (c | 0x20) === 0x75 || (c | 0x20) === 0x72) &&
          (next === 0x27 || next === 0x22 || (((next | 0x20) === 0x62 || (next | 0x20) === 0x72) &&
            (this.#s.charCodeAt(this.#i + 2) === 0x27 ||
              this.#s.charCodeAt(this.#i + 2) === 0x22)));
      if (!isStart) {
        this.#i = save;
        return result;
      }
    }
  }

  #stringLiteral(): string | Uint8Array {
    const s = this.#s;
    let raw = false;
    let bytes = false;
    for (;;) {
      const c = s.charCodeAt(this.#i) | 0x20;
      if (c === 0x72) raw = true;
      else if (c === 0x62) bytes = true;
      else if (c !== 0x75) break;
      this.#i++;
    }
    const quote = s.charCodeAt(this.#i);
    const triple = s.charCodeAt(this.#i + 1) === quote && s.charCodeAt(this.#i + 2) === quote;
    this.#i += triple ? 3 : 1;
    const start = this.#i;
    // Fast path: no escapes before the closing quote.
    let i = start;
    for (;;) {
      if (i >= s.length) throw this.#error("unterminated string literal");
      const c = s.charCodeAt(i);
      if (c === 0x5c) break;
      if (
        c === quote && (!triple || (s.charCodeAt(i + 1) === quote && s.charCodeAt(i + 2) === quote))
      ) {
        this.#i = i + (triple ? 3 : 1);
        const text = s.slice(start, i);
        if (!triple && (text.includes("\n") || text.includes("\r"))) {
          throw this.#error("unterminated string literal (a line break inside quotes)");
        }
        return bytes ? this.#asciiBytes(text) : text;
      }
      i++;
    }
    return this.#escapedString(start, quote, triple, raw, bytes);
  }

  #asciiBytes(text: string): Uint8Array {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) throw this.#error("bytes can only contain ASCII literal characters");
      out[i] = c;
    }
    return out;
  }

  #escapedString(
    start: number,
    quote: number,
    triple: boolean,
    raw: boolean,
    bytes: boolean,
  ): string | Uint8Array {
    const s = this.#s;
    let i = start;
    const parts: number[] = []; // code points (or byte values)
    for (;;) {
      if (i >= s.length) {
        this.#i = i;
        throw this.#error("unterminated string literal");
      }
      const c = s.codePointAt(i)!;
      if (
        c === quote && (!triple || (s.charCodeAt(i + 1) === quote && s.charCodeAt(i + 2) === quote))
      ) {
        this.#i = i + (triple ? 3 : 1);
        break;
      }
      if (!triple && (c === 0x0a || c === 0x0d)) {
        this.#i = i;
        throw this.#error("unterminated string literal (a line break inside quotes)");
      }
      if (c !== 0x5c) {
        if (bytes && c > 0x7f) {
          this.#i = i;
          throw this.#error("bytes can only contain ASCII literal characters");
        }
        parts.push(c);
        i += c > 0xffff ? 2 : 1;
        continue;
      }
      const e = s.charCodeAt(i + 1);
      if (raw) {
        // Raw strings keep the backslash; it only stops the next quote from ending the literal.
        parts.push(0x5c);
        if (i + 1 < s.length) parts.push(s.codePointAt(i + 1)!);
        i += (s.codePointAt(i + 1) ?? 0) > 0xffff ? 3 : 2;
        continue;
      }
      i += 2;
      switch (e) {
        case 0x0a:
          break; // backslash-newline: continuation
        case 0x0d:
          if (s.charCodeAt(i) === 0x0a) i++;
          break;
        case 0x5c:
        case 0x27:
        case 0x22:
          parts.push(e);
          break;
        case 0x61:
          parts.push(7);
          break;
        case 0x62:
          parts.push(8);
          break;
        case 0x66:
          parts.push(12);
          break;
        case 0x6e:
          parts.push(10);
          break;
        case 0x72:
          parts.push(13);
          break;
        case 0x74:
          parts.push(9);
          break;
        case 0x76:
          parts.push(11);
          break;
        case 0x78:
          parts.push(this.#hexEscape(i, 2));
          i += 2;
          break;
        case 0x75:
        case 0x55: {
          if (bytes) {
            parts.push(0x5c, e);
            break;
          }
          const n = e === 0x75 ? 4 : 8;
          const cp = this.#hexEscape(i, n);
          if (cp > 0x10ffff) {
            this.#i = i;
            throw this.#error("illegal Unicode character in \\U escape");
          }
          parts.push(cp);
          i += n;
          break;
        }
        case 0x4e:
          if (bytes) {
            parts.push(0x5c, e);
            break;
          }
          this.#i = i - 2;
          throw this.#error("\\N{name} escapes are not supported (no Unicode name table)");
        default:
          if (e >= 0x30 && e <= 0x37) {
            let n = e - 0x30;
            for (let k = 0; k < 2 && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x37; k++) {
              n = n * 8 + s.charCodeAt(i++) - 0x30;
            }
            parts.push(bytes ? n & 0xff : n);
          } else {
            // Unknown escapes keep their backslash, as in Python.
            parts.push(0x5c);
            i -= 1;
          }
      }
    }
    if (bytes) return Uint8Array.from(parts);
    let out = "";
    for (let k = 0; k < parts.length; k += 4096) {
      out += String.fromCodePoint(...parts.slice(k, k + 4096));
    }
    return out;
  }

  #hexEscape(at: number, n: number): number {
    const text = this.#s.slice(at, at + n);
    if (text.length !== n || !/^[0-9a-fA-F]+$/.test(text)) {
      this.#i = at;
      throw this.#error(`truncated \\${n === 2 ? "x" : n === 4 ? "u" : "U"} escape`);
    }
    return parseInt(text, 16);
  }

  #paren(depth: number): unknown {
    this.#i++;
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x29) {
      this.#i++;
      return this.#markTuples ? tuple() : [];
    }
    const first = this.#expr(depth);
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x29) {
      this.#i++;
      return first; // (x) is just x
    }
    const items = [first];
    this.#sequenceRest(items, 0x29, depth);
    return this.#markTuples ? tuple(...items) : items;
  }

  #list(depth: number): unknown[] {
    this.#i++;
    this.#ws();
    const items: unknown[] = [];
    if (this.#s.charCodeAt(this.#i) === 0x5d) {
      this.#i++;
      return items;
    }
    items.push(this.#expr(depth));
    this.#sequenceRest(items, 0x5d, depth);
    return items;
  }

  /** After a first item: `, item`* with an optional trailing comma, then the closer. */
  #sequenceRest(items: unknown[], closer: number, depth: number): void {
    for (;;) {
      this.#ws();
      const c = this.#s.charCodeAt(this.#i);
      if (c === closer) {
        this.#i++;
        return;
      }
      if (c !== 0x2c) {
        throw this.#error(`expected , or ${String.fromCharCode(closer)}, got ${this.#describe()}`);
      }
      this.#i++;
      this.#ws();
      if (this.#s.charCodeAt(this.#i) === closer) {
        this.#i++;
        return;
      }
      items.push(this.#expr(depth));
    }
  }

  #brace(depth: number): unknown {
    this.#i++;
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x7d) {
      this.#i++;
      return {};
    }
    const first = this.#expr(depth);
    this.#ws();
    if (this.#s.charCodeAt(this.#i) !== 0x3a) {
      const items = [first];
      this.#sequenceRest(items, 0x7d, depth);
      for (const item of items) checkHashable(item, this);
      return new Set(items);
    }
    // A dict: a plain object while every key is a string, else a Map.
    let obj: Record<string, unknown> | null = {};
    let map: Map<unknown, unknown> | null = null;
    let key: unknown = first;
    for (;;) {
      this.#expect(0x3a, ":");
      const value = this.#expr(depth);
      if (obj !== null && typeof key === "string") {
        if (key === "__proto__") {
          Object.defineProperty(obj, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else obj[key] = value;
      } else {
        if (map === null) {
          checkHashable(key, this);
          map = new Map(Object.entries(obj!));
          obj = null;
        }
        checkHashable(key, this);
        map.set(key, value);
      }
      this.#ws();
      const c = this.#s.charCodeAt(this.#i);
      if (c === 0x7d) {
        this.#i++;
        break;
      }
      if (c !== 0x2c) throw this.#error(`expected , or }, got ${this.#describe()}`);
      this.#i++;
      this.#ws();
      if (this.#s.charCodeAt(this.#i) === 0x7d) {
        this.#i++;
        break;
      }
      key = this.#expr(depth);
    }
    if (map !== null) return map;
    return this.#convert ? convertDict(obj!) : obj!;
  }

  /** Raises an error at the current offset (for helpers outside the class). */
  fail(message: string): never {
    throw this.#error(message);
  }
}

function checkHashable(item: unknown, parser: SerpentParser): void {
  if (
    item instanceof Set || item instanceof Map ||
    (typeof item === "object" && item !== null && !Array.isArray(item) &&
      !(item instanceof Complex) && !(item instanceof Uint8Array))
  ) {
    parser.fail("unhashable type in a set or as a dict key");
  }
}

/** Serpent's base64 bytes dict, Pyro's `__class__` dicts, or the dict itself. */
function convertDict(obj: Record<string, unknown>): unknown {
  if (typeof obj.__class__ === "string") return dictToClass(obj);
  if (obj.encoding === "base64" && typeof obj.data === "string") {
    let keys = 0;
    for (const _ in obj) keys++;
    if (keys === 2) return fromBase64(obj.data) ?? obj;
  }
  return obj;
}

function isRealNumber(v: unknown): boolean {
  return typeof v === "number" || typeof v === "bigint";
}

function normalizeInt(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
