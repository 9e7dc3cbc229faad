/**
 * The growing buffer of the binary writers (marshal, msgpack): one buffer
 * reused across calls, and the output rules of `Serializer.dumpsTransient`
 * written once.
 *
 * @module
 */
import { TRANSIENT_BELOW } from "./types.ts";

const INITIAL_SIZE = 65536;
/** A buffer grown past this by one big value is dropped after the call. */
const KEEP_AT_MOST = 1 << 24;

/**
 * A reused output buffer; the binary writers extend it and write into `buf` at `pos`.
 *
 * @example
 * ```ts
 * import { ByteWriter } from "./byte_writer.ts";
 * const out = new ByteWriter();
 * out.begin(false);
 * out.byte(0x4e);
 * out.end(); // Uint8Array [0x4e]
 * ```
 */
export class ByteWriter {
  /** The buffer; valid up to `pos`. */
  buf: Uint8Array = new Uint8Array(INITIAL_SIZE);
  /** A view of `buf`, for multi-byte numbers. */
  view: DataView = new DataView(this.buf.buffer);
  /** Where the next byte goes. */
  pos = 0;
  /** Transient output with large bytes values: the parts so far, else null. */
  #parts: Uint8Array[] | null = null;
  /** Where the bytes of the buffer not yet in a part begin. */
  #partStart = 0;
  #transient = false;

  /**
   * Starts a new output.
   *
   * @param transient small output may be a view of the buffer, valid until the next output,
   *   and large bytes values become parts of their own (see `Serializer.dumpsTransient`)
   */
  begin(transient: boolean): void {
    this.pos = 0;
    this.#transient = transient;
    this.#parts = null;
    this.#partStart = 0;
  }

  /**
   * Makes room for `n` more bytes.
   *
   * @param n the number of bytes about to be written
   */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.#use(next);
  }

  /**
   * Writes one byte.
   *
   * @param b the byte
   */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /**
   * Writes bytes: copied, or, in transient output, a large value is a part of its own.
   *
   * @param b the bytes
   * @param mayShare false where the bytes must be in the buffer (marshal sorts set members there)
   */
  bytes(b: Uint8Array, mayShare: boolean): void {
    if (mayShare && this.#transient && b.length >= TRANSIENT_BELOW) {
      // Not copied: the message is written from the caller's own bytes (a copy of 10 MB into
      // fresh memory costs more than its whole transfer over loopback).
      (this.#parts ??= []).push(this.buf.slice(this.#partStart, this.pos), b);
      this.#partStart = this.pos;
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * The output: the parts, or the bytes (a view when transient and small).
   *
   * @returns the output
   */
  end(): Uint8Array | Uint8Array[] {
    const parts = this.#parts;
    if (parts !== null) {
      if (this.pos > this.#partStart) parts.push(this.buf.slice(this.#partStart, this.pos));
      return parts;
    }
    if (this.pos < TRANSIENT_BELOW) {
      return this.#transient ? this.buf.subarray(0, this.pos) : this.buf.slice(0, this.pos);
    }
    // A large result takes the buffer itself rather than a copy of it; the next output starts
    // with a fresh small buffer.
    const out = this.buf.subarray(0, this.pos);
    this.#use(new Uint8Array(INITIAL_SIZE));
    return out;
  }

  /** After an output, whether it ended or failed: keeps no parts and no huge buffer. */
  settle(): void {
    this.#parts = null;
    if (this.buf.length > KEEP_AT_MOST) this.#use(new Uint8Array(INITIAL_SIZE));
  }

  #use(buf: Uint8Array): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer);
  }
}
