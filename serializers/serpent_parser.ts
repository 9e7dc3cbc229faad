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
import { DictBuilder } from "./dict_builder.ts";
import { Complex, DEFAULT_MAX_DEPTH, tuple } from "./types.ts";
import { SERPENT_HEADER } from "./serpent_writer.ts";

const HEADER_LENGTH = SERPENT_HEADER.length;
/** The escapes that stand for one character, by the character after the backslash. */
const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x5c: 0x5c, // \\
  0x27: 0x27, // \'
  0x22: 0x22, // \"
  0x61: 7, // \a
  0x62: 8, // \b
  0x66: 12, // \f
  0x6e: 10, // \n
  0x72: 13, // \r
  0x74: 9, // \t
  0x76: 11, // \v
};
/** Characters that make a line more than the start of an expression: blanks, comments, breaks. */
const LINE_START_SPECIAL = new Set([0x20, 0x09, 0x0c, 0x23, 0x0a, 0x0d]);

/** Options of the parser. */
export interface SerpentParseOptions {
  /** Deepest container nesting accepted. */
  maxDepth?: number;
  /** Return tuples as arrays marked with `tuple()` (default: plain arrays). */
  markTuples?: boolean;
  /** Turn `__class__` dicts into objects through the class registry (default true). */
  convertClasses?: boolean;
}

// literal_eval allows a sign only before a number, and `+`/`-` only between a
// real number and an imaginary one: these kinds tell the parsed forms apart.
const KIND_OTHER = 0;
/** A number literal, possibly in parentheses. */
const KIND_NUMBER = 1;
/** A sign and a number literal. */
const KIND_SIGNED = 2;

/**
 * Python 3.11 refuses decimal int literals longer than this
 * (`sys.int_info.default_max_str_digits`); so do we, which also keeps a
 * hostile megabyte of digits from costing quadratic time.
 */
const MAX_INT_DIGITS = 4300;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x5f;
}

/**
 * A parser for one serpent text; make a new one per text.
 *
 * @example
 * ```ts
 * import { SerpentParser } from "./serpent_parser.ts";
 * new SerpentParser("# serpent utf-8 python3.2\n{'a': (1, 2.5)}").parse(); // { a: [1, 2.5] }
 * ```
 */
export class SerpentParser {
  readonly #s: string;
  #i = 0;
  readonly #maxDepth: number;
  readonly #markTuples: boolean;
  readonly #convert: boolean;
  /** Brackets open around the current position: outside them a line break ends the expression. */
  #open = 0;
  /** What the last expression was, for the sign and complex rules of literal_eval. */
  #kind = KIND_OTHER;
  /** Whether the last number literal was an int (so that `-0` stays an int 0). */
  #intLiteral = false;

  /**
   * Prepares to parse one text.
   *
   * @param text the serpent text (header line optional)
   * @param options see {@linkcode SerpentParseOptions}
   */
  constructor(text: string, options: SerpentParseOptions = {}) {
    this.#s = text;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#markTuples = options.markTuples ?? false;
    this.#convert = options.convertClasses ?? true;
  }

  /**
   * Parses the whole text as one expression.
   *
   * @returns the value
   * @throws {SerializeError} on anything but one literal expression, naming the offset
   */
  parse(): unknown {
    this.#leadingLines();
    if (this.#i >= this.#s.length) throw this.#error("empty input, expected an expression");
    const value = this.#expr(0);
    this.#open = 1; // after the expression, line breaks are just blank lines
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
    // Invisible and non-ASCII characters are shown as escapes.
    return JSON.stringify(this.#s.slice(this.#i, this.#i + 12)).replace(
      /[^\x20-\x7e]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
    );
  }

  /**
   * Skips blank and comment lines before the expression (the header line is a
   * comment). As in Python, the expression's own line may not be indented,
   * except the very first line (literal_eval strips its leading blanks).
   */
  #leadingLines(): void {
    const s = this.#s;
    // The usual case, Pyro's header line and the expression right after it, without the scan.
    if (s.startsWith(SERPENT_HEADER) && !LINE_START_SPECIAL.has(s.charCodeAt(HEADER_LENGTH))) {
      this.#i = HEADER_LENGTH;
      return;
    }
    let i = 0;
    for (let first = true;; first = false) {
      const lineStart = i;
      while (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09 || s.charCodeAt(i) === 0x0c) i++;
      const c = s.charCodeAt(i);
      if (c === 0x23) {
        while (i < s.length && s.charCodeAt(i) !== 0x0a && s.charCodeAt(i) !== 0x0d) i++;
      }
      const end = s.charCodeAt(i);
      if (end === 0x0a || end === 0x0d) {
        i += end === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
        continue;
      }
      if (i < s.length && i > lineStart && !first && c !== 0x23) {
        this.#i = lineStart;
        throw this.#error("unexpected indent");
      }
      this.#i = i;
      return;
    }
  }

  /** Skips blanks and comments; line breaks too, but only inside brackets. */
  #ws(): void {
    const s = this.#s;
    let i = this.#i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0c) i++;
      else if (c === 0x0a || c === 0x0d) {
        if (this.#open === 0) break;
        i++;
      } else if (c === 0x23) {
        while (i < s.length && s.charCodeAt(i) !== 0x0a && s.charCodeAt(i) !== 0x0d) i++;
      } else if (c === 0x5c) {
        // An explicit line continuation: backslash, then the line break.
        const n = s.charCodeAt(i + 1);
        if (n === 0x0a) i += 2;
        else if (n === 0x0d) i += s.charCodeAt(i + 2) === 0x0a ? 3 : 2;
        else break;
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

  /**
   * An expression: a literal, a sign and a number, or `real ± imaginary`,
   * exactly the operator forms literal_eval accepts.
   */
  #expr(depth: number): unknown {
    this.#ws();
    const start = this.#i;
    const left = this.#unary(depth);
    this.#ws();
    const op = this.#s.charCodeAt(this.#i);
    if (op !== 0x2b && op !== 0x2d) return left;
    if (
      (this.#kind !== KIND_NUMBER && this.#kind !== KIND_SIGNED) ||
      (typeof left !== "number" && typeof left !== "bigint")
    ) {
      throw this.#error("operators are only allowed between a real and an imaginary number");
    }
    this.#i++;
    this.#ws();
    const rightAt = this.#i;
    const right = this.#unary(depth);
    if (this.#kind !== KIND_NUMBER || !(right instanceof Complex)) {
      this.#i = rightAt;
      throw this.#error("the right side of + or - must be an imaginary number literal");
    }
    const re = Number(left);
    if (!Number.isFinite(re) && typeof left === "bigint") {
      this.#i = start;
      throw this.#error("int too large to convert to float");
    }
    // Python widens the real number to complex(re, 0.0) and adds or subtracts.
    this.#kind = KIND_OTHER;
    return op === 0x2b
      ? new Complex(re + right.re, 0 + right.im)
      : new Complex(re - right.re, 0 - right.im);
  }

  #unary(depth: number): unknown {
    const s = this.#s;
    const c = s.charCodeAt(this.#i);
    if (c !== 0x2d && c !== 0x2b) return this.#primary(depth);
    // A run of signs is read in a loop (so a long one cannot grow the stack) and
    // refused after the operand, as literal_eval takes one sign only.
    const signAt = this.#i;
    let signs = 0;
    while (s.charCodeAt(this.#i) === 0x2d || s.charCodeAt(this.#i) === 0x2b) {
      signs++;
      this.#i++;
      this.#ws();
    }
    const operand = this.#primary(depth);
    if (signs > 1) {
      this.#i = signAt + 1;
      throw this.#error("only one sign may stand before a number");
    }
    if (this.#kind !== KIND_NUMBER) {
      this.#i = signAt;
      throw this.#error("a sign (+ or -) must be followed by a number");
    }
    this.#kind = KIND_SIGNED;
    if (c === 0x2b) return operand;
    if (typeof operand === "number") return this.#intLiteral && operand === 0 ? 0 : -operand;
    if (typeof operand === "bigint") return normalizeInt(-operand);
    const z = operand as Complex;
    return new Complex(-z.re, -z.im);
  }

  #primary(depth: number): unknown {
    const s = this.#s;
    const c = s.charCodeAt(this.#i);
    if (isDigit(c) || (c === 0x2e && isDigit(s.charCodeAt(this.#i + 1)))) {
      const n = this.#number();
      this.#kind = KIND_NUMBER;
      return n;
    }
    if (c === 0x28) return this.#paren(depth + 1); // (x) keeps the kind of x
    this.#kind = KIND_OTHER;
    if (c === 0x27 || c === 0x22) return this.#strings();
    if (depth >= this.#maxDepth) throw this.#error(`nesting deeper than ${this.#maxDepth} levels`);
    if (c === 0x5b) return this.#list(depth + 1);
    if (c === 0x7b) return this.#brace(depth + 1);
    if (c === 0x2e && s.charCodeAt(this.#i + 1) === 0x2e && s.charCodeAt(this.#i + 2) === 0x2e) {
      throw this.#error("Ellipsis (...) has no JavaScript value");
    }
    if (isNameChar(c)) {
      const start = this.#i;
      while (isNameChar(s.charCodeAt(this.#i))) this.#i++;
      const name = s.slice(start, this.#i);
      if (stringPrefixLength(s, start) > 0) {
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
    // Fast path: a short plain decimal int, the commonest number by far.
    let n = 0;
    let c = s.charCodeAt(i);
    while (c >= 0x30 && c <= 0x39 && i - start < 15) {
      n = n * 10 + (c - 0x30);
      c = s.charCodeAt(++i);
    }
    if (
      !(c >= 0x30 && c <= 0x39) && !isNameChar(c) && c !== 0x2e &&
      i > start && (s.charCodeAt(start) !== 0x30 || i - start === 1)
    ) {
      this.#i = i;
      this.#intLiteral = true;
      return n;
    }
    i = start;
    const c1 = s.charCodeAt(i + 1) | 0x20;
    if (s.charCodeAt(i) === 0x30 && (c1 === 0x78 || c1 === 0x6f || c1 === 0x62)) {
      const radix = c1 === 0x78 ? 16 : c1 === 0x6f ? 8 : 2;
      i += 2;
      const digitsStart = i;
      while (isNameChar(s.charCodeAt(i))) i++;
      const written = s.slice(digitsStart, i);
      this.#i = i;
      // One underscore may follow the prefix or separate two digits.
      if (!/^(?:_?[0-9a-fA-F])+$/.test(written.replace(/_(?=[0-9a-fA-F])/g, "_"))) {
        throw this.#error("invalid number literal");
      }
      const digits = written.replaceAll("_", "");
      for (let k = 0; k < digits.length; k++) {
        if (parseInt(digits[k], 16) >= radix) throw this.#error("invalid number literal");
      }
      const prefix = radix === 16 ? "0x" : radix === 8 ? "0o" : "0b";
      this.#intLiteral = true;
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
    this.#intLiteral = !imaginary && !isFloat;
    if (imaginary) return new Complex(0, Number(text));
    if (isFloat) return Number(text);
    if (text.length > 1 && text.charCodeAt(0) === 0x30 && /[1-9]/.test(text)) {
      throw this.#error("leading zeros in decimal integer literals are not permitted");
    }
    if (text.length < 16) return Number(text);
    if (text.length > MAX_INT_DIGITS) {
      this.#i = start;
      throw this.#error(
        `an int literal of ${text.length} digits is more than the ${MAX_INT_DIGITS} Python accepts`,
      );
    }
    return normalizeInt(BigInt(text));
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  #strings(): string | Uint8Array {
    const first = this.#stringLiteral();
    let text = typeof first === "string" ? first : "";
    // Bytes parts are joined once at the end: joining pairwise would be quadratic.
    const byteParts = typeof first === "string" ? null : [first];
    for (;;) {
      const save = this.#i;
      this.#ws();
      if (stringPrefixLength(this.#s, this.#i) < 0) {
        this.#i = save;
        return byteParts === null ? text : concatBytes(byteParts);
      }
      const part = this.#stringLiteral();
      if (typeof part === "string" && byteParts === null) text += part;
      else if (typeof part !== "string" && byteParts !== null) byteParts.push(part);
      else throw this.#error("cannot mix bytes and str literals");
    }
  }

  #stringLiteral(): string | Uint8Array {
    const s = this.#s;
    const literalStart = this.#i;
    let raw = false;
    let bytes = false;
    const prefix = stringPrefixLength(s, this.#i);
    for (let k = 0; k < prefix; k++) {
      const c = s.charCodeAt(this.#i++) | 0x20;
      if (c === 0x72) raw = true;
      else if (c === 0x62) bytes = true;
    }
    const quote = s.charCodeAt(this.#i);
    const triple = s.charCodeAt(this.#i + 1) === quote && s.charCodeAt(this.#i + 2) === quote;
    this.#i += triple ? 3 : 1;
    const start = this.#i;
    // Fast path: no escapes before the closing quote.
    let i = start;
    for (;;) {
      if (i >= s.length) {
        this.#i = literalStart; // where the string began helps more than the end of input
        throw this.#error("unterminated string literal");
      }
      const c = s.charCodeAt(i);
      if (c === 0x5c) break;
      if (
        c === quote && (!triple || (s.charCodeAt(i + 1) === quote && s.charCodeAt(i + 2) === quote))
      ) {
        this.#i = i + (triple ? 3 : 1);
        let text = s.slice(start, i);
        if (text.includes("\r")) {
          if (!triple) {
            throw this.#error("unterminated string literal (a line break inside quotes)");
          }
          // Python reads source lines with universal newlines: \r\n and \r become \n.
          text = text.replace(/\r\n?/g, "\n");
        } else if (!triple && text.includes("\n")) {
          throw this.#error("unterminated string literal (a line break inside quotes)");
        }
        return bytes ? this.#asciiBytes(text) : text;
      }
      i++;
    }
    return this.#escapedString(literalStart, start, quote, triple, raw, bytes);
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
    literalStart: number,
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
        this.#i = literalStart;
        throw this.#error("unterminated string literal");
      }
      const c = s.codePointAt(i)!;
      if (
        c === quote && (!triple || (s.charCodeAt(i + 1) === quote && s.charCodeAt(i + 2) === quote))
      ) {
        this.#i = i + (triple ? 3 : 1);
        break;
      }
      if (c === 0x0a || c === 0x0d) {
        if (!triple) {
          this.#i = i;
          throw this.#error("unterminated string literal (a line break inside quotes)");
        }
        parts.push(0x0a); // universal newlines, as Python reads source
        i += c === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
        continue;
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
        // Raw strings keep the backslash; it only stops the next quote (or line
        // break) from ending the literal.
        parts.push(0x5c);
        i++;
        if (i < s.length && s.charCodeAt(i) !== 0x0a && s.charCodeAt(i) !== 0x0d) {
          const next = s.codePointAt(i)!;
          if (bytes && next > 0x7f) {
            this.#i = i;
            throw this.#error("bytes can only contain ASCII literal characters");
          }
          parts.push(next);
          i += next > 0xffff ? 2 : 1;
        } else if (i < s.length) {
          parts.push(0x0a);
          i += s.charCodeAt(i) === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
        }
        continue;
      }
      i += 2;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        parts.push(simple);
        continue;
      }
      switch (e) {
        case 0x0a:
          break; // backslash-newline: continuation
        case 0x0d:
          if (s.charCodeAt(i) === 0x0a) i++;
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
    if (depth > this.#maxDepth) throw this.#error(`nesting deeper than ${this.#maxDepth} levels`);
    this.#i++;
    this.#open++;
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x29) {
      this.#i++;
      this.#open--;
      this.#kind = KIND_OTHER;
      return this.#markTuples ? tuple() : [];
    }
    const first = this.#expr(depth);
    this.#ws();
    if (this.#s.charCodeAt(this.#i) === 0x29) {
      this.#i++;
      this.#open--;
      return first; // (x) is just x, and keeps its kind
    }
    const items = [first];
    this.#sequenceRest(items, 0x29, depth);
    this.#open--;
    this.#kind = KIND_OTHER;
    return this.#markTuples ? tuple(...items) : items;
  }

  #list(depth: number): unknown[] {
    this.#i++;
    this.#open++;
    this.#ws();
    const items: unknown[] = [];
    if (this.#s.charCodeAt(this.#i) === 0x5d) this.#i++;
    else {
      items.push(this.#expr(depth));
      this.#sequenceRest(items, 0x5d, depth);
    }
    this.#open--;
    this.#kind = KIND_OTHER;
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
    this.#open++;
    const value = this.#braceContent(depth);
    this.#open--;
    this.#kind = KIND_OTHER;
    return value;
  }

  #braceContent(depth: number): unknown {
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
    const dict = new DictBuilder();
    let key: unknown = first;
    for (;;) {
      this.#expect(0x3a, ":");
      const value = this.#expr(depth);
      if (typeof key !== "string") checkHashable(key, this);
      dict.set(key, value);
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
    const built = dict.result();
    return built instanceof Map || !this.#convert ? built : convertDict(built);
  }

  /**
   * Raises an error at the current offset (for helpers outside the class).
   *
   * @param message what is wrong
   */
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

function normalizeInt(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * If a string or bytes literal starts at `i`: the length of its prefix (0, or
 * 1-2 for u, b, r, br, rb in any case), else -1.
 */
function stringPrefixLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x27 || c === 0x22) return 0;
  const a = c | 0x20;
  if (a !== 0x75 && a !== 0x62 && a !== 0x72) return -1;
  const q = s.charCodeAt(i + 1);
  if (q === 0x27 || q === 0x22) return 1;
  const b = q | 0x20;
  if (!((a === 0x62 && b === 0x72) || (a === 0x72 && b === 0x62))) return -1;
  const q2 = s.charCodeAt(i + 2);
  return q2 === 0x27 || q2 === 0x22 ? 2 : -1;
}
