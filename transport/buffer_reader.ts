/**
 * Reads for a socket that reads into buffers we give it (Node's `onread` option, which Bun and
 * Deno's `node:net` implement too): the socket asks {@linkcode BufferReader.next} where its next
 * read goes and reports each read to {@linkcode BufferReader.filled}. Small reads land in the
 * unused rest of one larger buffer and are handed out as chunks (views, never written again);
 * while {@linkcode BufferReader.readInto} waits, reads land straight in the caller's view, so a
 * large message body is filled by the kernel with no chunk and no copy in between.
 *
 * @module
 */
import { ChunkQueue, type FlowControl } from "./chunk_queue.ts";
import type { ChunkReader } from "./types.ts";
import { ReadBuffers } from "./buffers.ts";

/** A {@linkcode ChunkReader} fed by a socket that reads into our buffers; see the module doc. */
export class BufferReader implements ChunkReader {
  readonly #queue: ChunkQueue;
  readonly #buffers = new ReadBuffers();
  /** The view a readInto() is filling, and how much of it is filled. */
  #target: Uint8Array | null = null;
  #fill = 0;
  #waiter: { resolve(n: number | null): void; reject(e: Error): void } | null = null;
  /** Whether the buffer last given by next() is the rest of #target. */
  #givenTarget = false;
  #ended = false;
  #error: Error | null = null;

  /** @param socket how to pause, resume and drop the socket */
  constructor(socket: FlowControl) {
    this.#queue = new ChunkQueue(socket);
  }

  /**
   * Where the socket's next read goes: the rest of a waiting readInto()'s view, else the rest of
   * the current buffer.
   */
  next(): Uint8Array {
    if (this.#target !== null) {
      this.#givenTarget = true;
      return this.#target.subarray(this.#fill);
    }
    this.#givenTarget = false;
    return this.#buffers.next();
  }

  /**
   * The socket read `n` bytes into `buffer`, the last buffer {@linkcode BufferReader.next} gave.
   *
   * @param n how many bytes, from the start of `buffer`
   * @param buffer the buffer they are in
   */
  filled(n: number, buffer: Uint8Array): void {
    if (this.#givenTarget) {
      this.#givenTarget = false;
      // No target any more: the reader was cancelled, and nobody wants these bytes.
      if (this.#target === null) return;
      this.#fill += n;
      if (this.#fill === this.#target!.length) this.#settle(this.#fill);
      return;
    }
    // A read into our own buffer: its bytes are handed out as a view and never written again.
    const chunk = this.#buffers.used(buffer, n);
    const target = this.#target;
    if (target === null) return this.#queue.push(chunk);
    // A readInto() began after this read was already given our buffer: copy what fits.
    const k = Math.min(n, target.length - this.#fill);
    target.set(k === n ? chunk : chunk.subarray(0, k), this.#fill);
    this.#fill += k;
    if (k < n) this.#queue.push(chunk.subarray(k));
    if (this.#fill === target.length) this.#settle(this.#fill);
  }

  /** The peer ended the stream. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#target !== null) this.#settle(this.#fill > 0 ? this.#fill : null);
    this.#queue.end();
  }

  /**
   * The connection failed.
   *
   * @param error what reads reject with from now on
   */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const waiter = this.#waiter;
    this.#target = null;
    this.#waiter = null;
    waiter?.reject(error);
    this.#queue.fail(error);
  }

  /** The next chunk, or done at the end. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#target !== null) return Promise.reject(new Error("BufferReader: one read at a time"));
    return this.#queue.read();
  }

  /**
   * Reads the next bytes of the stream into `view`. Bytes already received are copied and
   * returned at once; when there are none, the socket reads straight into `view` until it is
   * full or the stream ends, and `view` is the socket's until the promise settles.
   *
   * @param view where the bytes go, from its start
   * @returns how many bytes, or null at the end of the stream
   */
  readInto(view: Uint8Array): Promise<number | null> {
    if (this.#target !== null) return Promise.reject(new Error("BufferReader: one read at a time"));
    const queued = this.#queue.take(view);
    if (queued > 0 || view.length === 0) return Promise.resolve(queued);
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    this.#target = view;
    this.#fill = 0;
    return new Promise((resolve, reject) => this.#waiter = { resolve, reject });
  }

  /** Stops reading: drops what is queued and the connection. */
  cancel(): Promise<void> {
    if (this.#target !== null) this.#settle(this.#fill > 0 ? this.#fill : null);
    this.#ended = true;
    return this.#queue.cancel();
  }

  #settle(n: number | null): void {
    const waiter = this.#waiter!;
    this.#target = null;
    this.#waiter = null;
    waiter.resolve(n);
  }
}
