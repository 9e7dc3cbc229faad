/**
 * The input side of the binary readers (marshal, msgpack): the data, the
 * offset, and the one check every read makes first, that the bytes it is
 * about to read are there (so a declared length beyond the data is refused
 * before anything is allocated).
 *
 * @module
 */
import { SerializeError } from "../errors.ts";

/**
 * Reads one value's bytes; the binary readers extend it and read `b` at `pos`.
 *
 * @example
 * ```ts
 * import { ByteReader } from "./byte_reader.ts";
 * const input = new ByteReader(new Uint8Array([1, 2, 3]), "demo", 1000);
 * input.v.getUint16(input.take(2)); // 0x0102
 * ```
 */
export class ByteReader {
  /** The data. */
  readonly b: Uint8Array;
  /** Where the next byte is read. */
  pos = 0;
  /** The deepest container nesting the reader accepts. */
  readonly maxDepth: number;
  readonly #format: string;
  #view: DataView | null = null;

  /**
   * Prepares to read one value.
   *
   * @param data the bytes (a view anywhere in its buffer)
   * @param format the format's name, for error messages
   * @param maxDepth the deepest container nesting accepted
   */
  constructor(data: Uint8Array, format: string, maxDepth: number) {
    this.b = data;
    this.#format = format;
    this.maxDepth = maxDepth;
  }

  /** A view of the data, made on first use: small messages (ints, short strings) need none. */
  get v(): DataView {
    return this.#view ??= new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  }

  /**
   * Checks that `n` more bytes are there.
   *
   * @param n the number of bytes about to be read
   * @throws {SerializeError} when the data ends before them
   */
  need(n: number): void {
    if (this.pos + n > this.b.length) {
      throw new SerializeError(
        `${this.#format}: truncated data: need ${n} bytes at offset ${this.pos}, ${
          this.b.length - this.pos
        } left`,
      );
    }
  }

  /**
   * Skips `n` bytes, after checking they are there.
   *
   * @param n the number of bytes
   * @returns the offset they start at
   */
  take(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos = at + n;
    return at;
  }

  /**
   * The value read, once nothing follows it.
   *
   * @param value the value
   * @returns the value
   * @throws {SerializeError} when bytes are left over
   */
  end<T>(value: T): T {
    if (this.pos !== this.b.length) {
      throw new SerializeError(
        `${this.#format}: ${
          this.b.length - this.pos
        } extra bytes after the value at offset ${this.pos}`,
      );
    }
    return value;
  }
}
