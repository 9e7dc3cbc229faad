/**
 * Buffer memory for the transports: the buffers sockets read into, and
 * giving a buffer's memory back at once when nothing uses it any more.
 *
 * @module
 */

/**
 * Reads start with buffers of this size, small so that an idle connection's pending read holds
 * little (large bodies are read straight into place, not through these buffers); a small call's
 * request or reply (40 bytes of header, some of annotations, a short payload) still fits...
 */
const MIN_READ_SIZE = 512;
/** ...and once one fills (a burst arriving), the next is at least this large... */
const BURST_READ_SIZE = 4 * 1024;
/** ...and they grow up to this one while each read fills its buffer. */
const MAX_READ_SIZE = 1024 * 1024;
/** Below this much room left in the buffer, the next read takes a fresh one. */
const MIN_SPARE = 256;

const EMPTY = new Uint8Array(0);

/**
 * The buffers a socket reads into: small reads land one after another in
 * the unused rest of one larger buffer, and each read comes out as a view
 * that is never written again.
 *
 * @example
 * ```ts
 * import { ReadBuffers } from "./buffers.ts";
 * const buffers = new ReadBuffers();
 * const into = buffers.next();
 * into.set([1, 2, 3]); // a socket read 3 bytes
 * buffers.used(into, 3); // Uint8Array [1, 2, 3]
 * ```
 */
export class ReadBuffers {
  #spare: Uint8Array = EMPTY;
  #size = MIN_READ_SIZE;

  /** Where the next read goes: the rest of the current buffer, or a fresh one. */
  next(): Uint8Array {
    if (this.#spare.length < MIN_SPARE) this.#spare = new Uint8Array(this.#size);
    return this.#spare;
  }

  /**
   * Records a read into the buffer {@linkcode ReadBuffers.next} gave.
   *
   * @param buffer that buffer
   * @param n how many bytes were read into it, from its start
   * @returns those bytes, as a view
   */
  used(buffer: Uint8Array, n: number): Uint8Array {
    if (n === buffer.length) {
      // A read that filled the buffer means more is coming: read bigger next time.
      this.#size = Math.min(Math.max(this.#size * 2, BURST_READ_SIZE), MAX_READ_SIZE);
      this.#spare = buffer.subarray(n);
    } else {
      // The socket had no more: the next read may wait long, so it waits in a small buffer (the
      // rest of a small one, or a fresh one), not in the rest of a large one.
      this.#size = MIN_READ_SIZE;
      this.#spare = buffer.buffer.byteLength <= MIN_READ_SIZE ? buffer.subarray(n) : EMPTY;
    }
    return buffer.subarray(0, n);
  }
}

/**
 * Frees the memory behind `bytes` now rather than at the next garbage
 * collection, by detaching its buffer where the runtime can. Only for a
 * buffer nothing else uses: every view of it becomes empty.
 *
 * @param bytes a view of the buffer to free
 * @example
 * ```ts
 * import { releaseBuffer } from "./buffers.ts";
 * const done = new Uint8Array(1 << 20);
 * releaseBuffer(done); // done.length is now 0 where ArrayBuffer.prototype.transfer exists
 * ```
 */
export function releaseBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  // A page that is not cross-origin isolated has no SharedArrayBuffer at all.
  const shared = typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer;
  if (typeof buffer.transfer === "function" && !shared) {
    buffer.transfer(0);
  }
}
