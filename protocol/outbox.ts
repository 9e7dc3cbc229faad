/**
 * The messages waiting to be written on one connection, laid out back to back
 * in a buffer of the outbox's own: a message costs no allocation of its own,
 * and a burst of them goes out in one write. A payload of
 * {@linkcode SEPARATE_PAYLOAD_SIZE} or more is not copied; it is written as it
 * is, after its header, and so is such a part of a payload given in parts.
 *
 * Where the transport is done with the bytes once a write resolves
 * (`writesComplete`), the buffer is used again after each flush; elsewhere
 * written bytes are never overwritten and a full buffer is replaced.
 *
 * An outbox takes its buffer when it first queues bytes, and where written
 * bytes are free again it gives the buffer back to a pool shared by every
 * outbox once everything is written: an idle connection holds none.
 *
 * @module
 */
import { HEADER_SIZE } from "./constants.ts";
import {
  checkMessage,
  type MessageInit,
  SEPARATE_PAYLOAD_SIZE,
  writeMessageHead,
} from "./message.ts";

/** The outbox buffer's size; a larger message head gets a buffer of its own size. */
const BUFFER_SIZE = 1 << 16;
/** Free outbox buffers kept for the next outbox that needs one (at most 2 MiB). */
const POOL_SIZE = 32;
const pool: Uint8Array[] = [];
const EMPTY = new Uint8Array(0);
const NONE: readonly Uint8Array[] = Object.freeze([]);

/** A message for the outbox: its payload one array, or parts to be sent one after the other. */
export interface OutgoingMessage extends Omit<MessageInit, "payload"> {
  /** The payload, or its parts in order. */
  payload: Uint8Array | readonly Uint8Array[];
}

/** Queues messages and writes them in order. */
export class Outbox {
  readonly #reuse: boolean;
  #buf: Uint8Array;
  /** Where the bytes not yet sealed into a part begin. */
  #start = 0;
  #pos = 0;
  /** Sealed parts, in order: regions of buffers, and large payloads (none: null, not []). */
  #parts: Uint8Array[] | null = null;
  /** The large payloads among the parts. */
  #large: Uint8Array[] | null = null;
  #size = 0;
  #count = 0;
  #writing = 0;

  /**
   * @param reuse true when the transport is done with written bytes once a write resolves
   */
  constructor(reuse: boolean) {
    this.#reuse = reuse;
    this.#buf = EMPTY; // taken when bytes are first queued
  }

  /** The bytes queued, not yet handed to a write. */
  get size(): number {
    return this.#size;
  }

  /** The messages queued, not yet handed to a write. */
  get count(): number {
    return this.#count;
  }

  /**
   * Encodes a message into the outbox. Payload bytes below SEPARATE_PAYLOAD_SIZE are copied
   * now, so they may be a serializer's transient view; larger ones are written from where they
   * are, so they must stay unchanged until the flush that writes them resolves.
   *
   * @param message the message fields; a payload in parts is sent as their concatenation
   * @param maxMessageSize the most annotation plus payload bytes allowed
   * @throws {ProtocolError} or {MessageTooLargeError} as `encodeMessageParts` does; nothing is queued
   */
  add(message: OutgoingMessage, maxMessageSize: number): void {
    const payload = message.payload;
    const whole = payload instanceof Uint8Array;
    let size = 0;
    if (whole) size = payload.length;
    else for (const part of payload) size += part.length;
    const checked = checkMessage(message, size, maxMessageSize);
    const head = HEADER_SIZE + checked.annotationsSize;
    this.#reserve(head);
    this.#pos = writeMessageHead(this.#buf, this.#pos, message, checked);
    // A payload given whole may be freed by the caller once written; parts are somebody
    // else's bytes (a value the caller holds), never freed.
    if (whole) this.#append(payload, true);
    else for (const part of payload) this.#append(part, false);
    this.#size += head + size;
    this.#count++;
  }

  /**
   * Queues bytes already encoded (a compressed message): small ones are copied, large ones
   * written as they are.
   *
   * @param bytes a whole message
   */
  addBytes(bytes: Uint8Array): void {
    this.#append(bytes, true);
    this.#size += bytes.length;
    this.#count++;
  }

  /** Copies small bytes into the buffer; large ones become a part of their own. */
  #append(bytes: Uint8Array, given: boolean): void {
    if (bytes.length >= SEPARATE_PAYLOAD_SIZE) {
      this.#seal();
      (this.#parts ??= []).push(bytes);
      if (given) (this.#large ??= []).push(bytes);
    } else {
      this.#reserve(bytes.length);
      this.#buf.set(bytes, this.#pos);
      this.#pos += bytes.length;
    }
  }

  /**
   * Writes everything queued, in order, one write per part. Messages queued while it writes
   * wait for the next flush.
   *
   * @param write the connection's write, resolving when the transport took the bytes
   * @param thisArg what `write` is called on (as `forEach` takes it): the connection's own
   *   method needs no closure kept per connection
   * @returns the large payloads and messages among what was written that were given whole (the
   *   caller may free them now, if they are its own); never the parts of a payload in parts
   */
  async flush<T>(
    write: (this: T, chunk: Uint8Array) => Promise<void>,
    thisArg?: T,
  ): Promise<readonly Uint8Array[]> {
    this.#seal();
    const parts = this.#parts;
    const large = this.#large ?? NONE;
    if (parts === null) return NONE;
    this.#parts = null;
    this.#large = null;
    this.#size = 0;
    this.#count = 0;
    this.#writing++;
    try {
      for (const part of parts) await write.call(thisArg as T, part);
    } finally {
      this.#writing--;
      // Every write is done and nothing new was queued: the buffer can be filled again.
      if (
        this.#reuse && this.#writing === 0 && this.#parts === null && this.#pos === this.#start
      ) {
        this.#start = this.#pos = 0;
        // Nothing is queued: the buffer goes back to the pool until this outbox needs one again.
        if (this.#buf.length === BUFFER_SIZE && pool.length < POOL_SIZE) pool.push(this.#buf);
        this.#buf = EMPTY;
      }
    }
    return large;
  }

  /** Makes the bytes since the last seal a part of their own. */
  #seal(): void {
    if (this.#pos > this.#start) {
      (this.#parts ??= []).push(this.#buf.subarray(this.#start, this.#pos));
      this.#start = this.#pos;
    }
  }

  /** Makes room for `n` more bytes, in a new buffer when this one is full. */
  #reserve(n: number): void {
    if (this.#buf.length - this.#pos >= n) return;
    // The queued bytes move along, so that they still go out in one write (one chunk at the
    // peer, whose replies then come back together too). Parts already sealed keep the old
    // buffer alive until they are written.
    const queued = this.#buf.subarray(this.#start, this.#pos);
    const size = Math.max(BUFFER_SIZE, 2 * (queued.length + n));
    // Only an outbox whose bytes are free once written takes from the pool (and gives back).
    const next = size === BUFFER_SIZE && this.#reuse && pool.length > 0
      ? pool.pop()!
      : new Uint8Array(size);
    next.set(queued);
    this.#buf = next;
    this.#start = 0;
    this.#pos = queued.length;
  }
}
