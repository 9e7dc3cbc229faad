/**
 * Incoming chunks of a push-style socket (Node's `data` events, Bun's
 * `data` handler) for one consumer that pulls them one at a time. It pauses
 * the socket while more than a high-water mark of bytes waits unread and
 * resumes it when the consumer catches up. A plain queue and one pending
 * promise: no web stream machinery per chunk.
 *
 * @module
 */
import type { ChunkReader } from "./types.ts";
import { releaseBuffer } from "./buffers.ts";

/** Bytes waiting unread before the socket is paused. */
export const READ_HIGH_WATER_MARK = 1 << 20;

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };

/** The socket controls a {@linkcode ChunkQueue} needs. */
export interface FlowControl {
  /** Stops reading from the socket. */
  pause(): void;
  /** Reads from the socket again. */
  resume(): void;
  /** Drops the connection (the consumer cancelled). */
  destroy(): void;
}

/** A queue of received chunks with one consumer; see the module doc. */
export class ChunkQueue implements ChunkReader {
  readonly #socket: FlowControl;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #paused = false;
  #ended = false;
  #error: Error | null = null;
  #waiter: {
    resolve(r: ReadableStreamReadResult<Uint8Array>): void;
    reject(e: Error): void;
  } | null = null;

  /** @param socket how to pause, resume and drop the socket */
  constructor(socket: FlowControl) {
    this.#socket = socket;
  }

  /** A chunk arrived. */
  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (this.#bytes >= READ_HIGH_WATER_MARK && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /** The peer ended the stream; chunks already queued are still read. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#waiter?.resolve(DONE);
    this.#waiter = null;
  }

  /** The connection failed; reads after the queued chunks reject with `error`. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#waiter?.reject(error);
    this.#waiter = null;
  }

  /** The next chunk, or done at the end. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head];
      this.#shift();
      this.#taken(chunk.length);
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(DONE);
    if (this.#waiter) return Promise.reject(new Error("ChunkQueue: one read at a time"));
    return new Promise((resolve, reject) => this.#waiter = { resolve, reject });
  }

  /**
   * Copies queued bytes into `view`, as many as are queued and fit; a chunk that does not fit
   * whole stays queued with the rest of its bytes.
   *
   * @param view where the bytes go, from its start
   * @returns how many bytes were copied (0 when nothing is queued)
   */
  take(view: Uint8Array): number {
    let n = 0;
    while (n < view.length && this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head];
      const k = Math.min(chunk.length, view.length - n);
      view.set(k === chunk.length ? chunk : chunk.subarray(0, k), n);
      n += k;
      if (k === chunk.length) this.#shift();
      else this.#chunks[this.#head] = chunk.subarray(k);
    }
    if (n > 0) this.#taken(n);
    return n;
  }

  /**
   * Frees a chunk the consumer is done with, when it spans its whole buffer (Node's data events
   * and Bun give each read a buffer of its own): a large message arriving in chunks that are
   * copied into its body leaves no chunks behind for the garbage collector.
   *
   * @param chunk a chunk this queue handed out, no longer used by anyone
   */
  release(chunk: Uint8Array): void {
    if (chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) {
      releaseBuffer(chunk);
    }
  }

  #shift(): void {
    this.#chunks[this.#head++] = undefined as unknown as Uint8Array;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    }
  }

  #taken(n: number): void {
    this.#bytes -= n;
    if (this.#paused && this.#bytes < READ_HIGH_WATER_MARK / 2) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** Stops reading: drops what is queued and the connection. */
  cancel(): Promise<void> {
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    if (!this.#ended) {
      this.#ended = true;
      this.#waiter?.resolve(DONE);
      this.#waiter = null;
      this.#socket.destroy();
    }
    return Promise.resolve();
  }
}

/**
 * A readable stream over a chunk reader, for consumers that want a stream.
 *
 * @param reader where the chunks come from
 * @returns a stream that pulls one chunk per read
 */
export function readableOf(reader: ChunkReader): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
