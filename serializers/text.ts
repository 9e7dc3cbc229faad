/**
 * Text helpers shared by the serializers: UTF-8, base64 and the ISO dates
 * Python writes.
 *
 * @module
 */
import { TRANSIENT_BELOW } from "./types.ts";

/** Shared UTF-8 encoder. */
export const utf8Encoder: TextEncoder = new TextEncoder();
// Inputs from this size on are decoded leniently first: see StrictUtf8Decoder.
const LENIENT_FROM = 1 << 16;

/**
 * Strict UTF-8, as Python decodes: invalid bytes throw a `TypeError`. A large input is decoded
 * leniently first, and again strictly only when the text has a U+FFFD (what a lenient decode
 * puts for invalid bytes, or the input held), to tell which: Deno's fatal `TextDecoder` holds
 * three copies of the text at its peak (50 MB of ASCII: +145 MB RSS against +48 for the lenient
 * decode, 256-268 ms against 66-120); Node's and Bun's cost the same both ways (measured
 * 2026-12-03). Searching a one-byte string for U+FFFD takes no time.
 */
export class StrictUtf8Decoder {
  readonly #fatal: TextDecoder;
  readonly #lenient: TextDecoder;

  /**
   * @param options `keepBOM` false (the default, the `TextDecoder`'s) drops a leading U+FEFF,
   * as for a whole document; true keeps it, as for a string value, which Python keeps
   */
  constructor(options: { keepBOM?: boolean } = {}) {
    const ignoreBOM = options.keepBOM === true;
    this.#fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM });
    this.#lenient = new TextDecoder("utf-8", { ignoreBOM });
  }

  /**
   * @param bytes UTF-8
   * @returns the text
   * @throws {TypeError} on invalid UTF-8
   */
  decode(bytes: Uint8Array): string {
    if (bytes.length < LENIENT_FROM) return this.#fatal.decode(bytes);
    const text = this.#lenient.decode(bytes);
    return text.includes("\uFFFD") ? this.#fatal.decode(bytes) : text;
  }
}

/**
 * Shared strict UTF-8 decoder for string values: invalid bytes are an error, and a leading
 * U+FEFF stays, as in Python.
 */
export const utf8Decoder: StrictUtf8Decoder = new StrictUtf8Decoder({ keepBOM: true });

const scratch = new Uint8Array(TRANSIENT_BELOW);

/** Strings from this length on are measured before they are written: see {@linkcode utf8Room}. */
export const MEASURE_FROM = 1 << 16;

/**
 * Room to reserve for the UTF-8 of a string: 3 bytes per UTF-16 unit for a short one (cheap to
 * overestimate), the exact size for a long one, so a 50 MB string does not make a writer grow its
 * buffer to 256 MB. A lone surrogate counts 3 bytes, as both its U+FFFD and its surrogatepass
 * form take.
 *
 * @param s the text
 * @returns the bytes to reserve
 * @example
 * ```ts
 * import { utf8Room } from "./text.ts";
 * utf8Room("hé"); // 6: short strings get 3 bytes per unit
 * ```
 */
export function utf8Room(s: string): number {
  return s.length < MEASURE_FROM ? s.length * 3 : utf8Length(s);
}

/** Strings from this length on are measured by encoding them: see {@linkcode utf8Length}. */
const COUNT_BY_ENCODING_FROM = 1024;
const COUNT_CHUNK = 1 << 15;
const countScratch = new Uint8Array(COUNT_CHUNK * 3);

/**
 * The exact size of the UTF-8 `TextEncoder` writes for a string; a lone surrogate counts the 3
 * bytes of its U+FFFD.
 *
 * @param s the text
 * @returns its UTF-8 size in bytes
 * @example
 * ```ts
 * import { utf8Length } from "./text.ts";
 * utf8Length("hé\u{1F600}"); // 7
 * ```
 */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n >= COUNT_BY_ENCODING_FROM) {
    // The engine's encoder, a chunk at a time into a small scratch array, counts ASCII some 50
    // times faster than the loop below, other text about as fast (measured on Deno, Node and
    // Bun, 2026-12-03).
    let size = 0;
    for (let i = 0; i < n;) {
      let end = Math.min(i + COUNT_CHUNK, n);
      // Not between the halves of a pair: each would count as a U+FFFD, 6 bytes instead of 4.
      if (end < n && (s.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
      size += utf8Encoder.encodeInto(s.slice(i, end), countScratch).written;
      i = end;
    }
    return size;
  }
  let size = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) size += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        size += 2; // a pair: 4 bytes for 2 units
        i++;
      } else size += 2;
    } else size += 2;
  }
  return size;
}

/**
 * UTF-8 of a string into a reused buffer, for the serializers' transient output (see
 * `Serializer.dumpsTransient`): a view valid only until the next call, shorter than
 * `TRANSIENT_BELOW`. A string that might not fit (3 bytes per UTF-16 unit) gets an array of its
 * own.
 *
 * @param s the text
 * @returns its UTF-8 bytes
 * @example
 * ```ts
 * import { utf8Transient } from "./text.ts";
 * utf8Transient("hé").length; // 3
 * ```
 */
export function utf8Transient(s: string): Uint8Array {
  if (s.length * 3 >= scratch.length) return utf8Encoder.encode(s);
  const { written } = utf8Encoder.encodeInto(s, scratch);
  return scratch.subarray(0, written);
}

/**
 * Strings from this length on are kept apart by the text writers (serpent, json) when they go
 * into the text unescaped: see {@linkcode utf8Pieces}.
 */
export const APART_FROM = 1 << 16;

/**
 * What a text writer puts in its text where a string kept apart goes: NUL, which neither serpent
 * nor json ever writes as it is (both escape it), so every NUL in the text is a mark.
 */
export const APART_MARK = "\0";

/**
 * A writer's text with the strings it kept apart put back, as pieces to encode with
 * {@linkcode utf8Pieces}: text, string, text, ..., text.
 *
 * @param text the text, with one {@linkcode APART_MARK} where each string goes
 * @param apart the strings, in order
 * @returns the pieces; just the text when no string was kept apart
 * @example
 * ```ts
 * import { APART_MARK, piecesOf } from "./text.ts";
 * piecesOf(`['${APART_MARK}']`, ["long"]); // ["['", "long", "']"]
 * ```
 */
export function piecesOf(text: string, apart: readonly string[]): string[] {
  if (apart.length === 0) return [text];
  const between = text.split(APART_MARK);
  if (between.length !== apart.length + 1) {
    throw new Error(`${between.length - 1} marks in the text for ${apart.length} strings apart`);
  }
  const pieces = [between[0]];
  for (let i = 0; i < apart.length; i++) pieces.push(apart[i], between[i + 1]);
  return pieces;
}

/**
 * The UTF-8 of texts written one after another, in one array of the exact size. Each is encoded
 * where it is: encoding them joined would first make a flat copy of every long string among them
 * (the engines flatten a concatenated string before they encode it), one more copy of a large
 * value at the peak. No piece may end inside a surrogate pair that the next one completes.
 *
 * @param pieces the texts
 * @returns their UTF-8, as one array
 * @example
 * ```ts
 * import { utf8Pieces } from "./text.ts";
 * utf8Pieces(["'", "hé", "'"]).length; // 5
 * ```
 */
export function utf8Pieces(pieces: readonly string[]): Uint8Array {
  let size = 0;
  for (const piece of pieces) size += utf8Length(piece);
  const out = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) at += utf8Encoder.encodeInto(piece, out.subarray(at)).written;
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const PAD = 0x3d; // "="

/**
 * Standard base64 with padding.
 *
 * @param bytes the data
 * @returns base64 text
 * @example
 * ```ts
 * import { toBase64 } from "./text.ts";
 * toBase64(new Uint8Array([0, 255])); // "AP8="
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as { toBase64?: () => string }).toBase64;
  if (typeof native === "function") return native.call(bytes);
  // Without the native method (Node 24): the base64 characters are written as bytes and decoded
  // as text once, since a string built piece by piece takes seconds and gigabytes for 10 MB.
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let i = 0;
  let o = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = B64_CODES[n >> 18];
    out[o++] = B64_CODES[(n >> 12) & 63];
    out[o++] = B64_CODES[(n >> 6) & 63];
    out[o++] = B64_CODES[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8);
    out[o++] = B64_CODES[n >> 18];
    out[o++] = B64_CODES[(n >> 12) & 63];
    out[o++] = i + 1 < bytes.length ? B64_CODES[(n >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return utf8Decoder.decode(out);
}

/**
 * Decodes standard base64 (padding optional, whitespace ignored).
 *
 * @param text base64 text
 * @returns the bytes, or null when the text is not base64
 * @example
 * ```ts
 * import { fromBase64 } from "./text.ts";
 * fromBase64("AP8="); // Uint8Array [0, 255]
 * ```
 */
export function fromBase64(text: string): Uint8Array | null {
  const clean = text.replace(/[\s=]+$/g, "").replace(/\s+/g, "");
  if (clean.length % 4 === 1) return null; // one character alone is not a whole byte
  const out = new Uint8Array(Math.floor(clean.length * 3 / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const d = c < 128 ? B64_INDEX[c] : -1;
    if (d < 0) return null;
    value = (value << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * What Python's `datetime.isoformat()` writes for this instant as an aware
 * UTC datetime: `2024-01-02T03:04:05.123000+00:00`, without a fraction when
 * the milliseconds are 0.
 *
 * @param date the instant
 * @returns ISO 8601 text
 * @example
 * ```ts
 * import { isoFormat } from "./text.ts";
 * isoFormat(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))); // "2024-01-02T03:04:05+00:00"
 * ```
 */
export function isoFormat(date: Date): string {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError("cannot serialize an invalid Date");
  const ms = date.getUTCMilliseconds();
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${
    pad(date.getUTCDate())
  }T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${
    ms ? "." + pad(ms, 3) + "000" : ""
  }+00:00`;
}
