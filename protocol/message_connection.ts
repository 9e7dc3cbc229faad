/**
 * Messages over one byte connection, for both sides (the client's channel, the daemon's
 * session): a pull reader that decodes and inflates, an outbox that encodes and compresses,
 * and the flush that writes the outbox. This is the one place that knows the transport's
 * optional fast paths (`chunks()`, `readInto`, `release`, `writesComplete`, `abort`,
 * `ref`/`unref`): the sides above it see messages only.
 *
 * When to flush is the side's own policy: the client waits for callers that send in the same
 * turn, the daemon for the end of a burst of requests.
 *
 * @module
 */
import { compress } from "./compression.ts";
import { COMPRESSION_THRESHOLD, DEFAULT_MAX_INFLATED_SIZE, Flags } from "./constants.ts";
import type { Message } from "./message.ts";
import { MessageReader } from "./message_stream.ts";
import { Outbox, type OutgoingMessage } from "./outbox.ts";
import { releaseBuffer } from "../transport/buffers.ts";
import type { Connection } from "../transport/types.ts";

/** Payloads from this size on are given back to the runtime as soon as they are written. */
const RELEASE_FROM = 1 << 20;

/** Options of a {@linkcode MessageConnection}. */
export interface MessageConnectionOptions {
  /** The most annotation plus payload bytes sent or received (`MAX_MESSAGE_SIZE`). */
  maxMessageSize: number;
  /** The most a compressed payload may inflate to (`MAX_INFLATED_SIZE`). */
  maxInflatedSize?: number;
  /** Compress payloads over 100 bytes, as Pyro5 does with `COMPRESSION` on. */
  compress?: boolean;
  /**
   * The large payloads given whole are this side's own (serializer output, never a caller's
   * bytes): their memory is given back once the transport is done with them, rather than at
   * the next garbage collection.
   */
  releaseWritten?: boolean;
}

/** Reads and writes whole messages on one connection. */
export class MessageConnection {
  readonly #connection: Connection;
  readonly #reader: MessageReader;
  readonly #outbox: Outbox;
  readonly #maxMessageSize: number;
  readonly #compress: boolean;
  readonly #release: boolean;

  /**
   * @param connection the byte connection
   * @param options the limits, compression, whether written payloads may be freed
   */
  constructor(connection: Connection, options: MessageConnectionOptions) {
    this.#connection = connection;
    this.#maxMessageSize = options.maxMessageSize;
    this.#compress = options.compress === true;
    // Freed only where the transport is done with the bytes once a write resolves.
    this.#release = options.releaseWritten === true && connection.writesComplete === true;
    this.#outbox = new Outbox(connection.writesComplete === true);
    this.#reader = new MessageReader(connection.chunks?.() ?? connection.readable, {
      maxMessageSize: options.maxMessageSize,
      maxInflatedSize: options.maxInflatedSize ?? DEFAULT_MAX_INFLATED_SIZE,
    });
  }

  /** Messages already decoded and waiting to be read. */
  get buffered(): number {
    return this.#reader.buffered;
  }

  /** Messages queued and not yet handed to a write. */
  get queued(): number {
    return this.#outbox.count;
  }

  /** Bytes queued and not yet handed to a write. */
  get queuedSize(): number {
    return this.#outbox.size;
  }

  /**
   * The next message, its payload inflated.
   *
   * @returns the message, or null at a clean end of the stream
   * @throws {ProtocolError} for malformed bytes, {ConnectionClosedError} for a broken stream
   */
  read(): Promise<Message | null> {
    return this.#reader.read();
  }

  /**
   * The next message when one is decoded already and needs no inflating, without waiting.
   *
   * @returns the message, or null when none is ready that way
   */
  takeReady(): Message | null {
    return this.#reader.takeReady();
  }

  /**
   * Encodes a message into the outbox: at once, or once its payload is compressed. A payload
   * below SEPARATE_PAYLOAD_SIZE is copied at once (it may be a serializer's transient view); a
   * larger one is written from where it is, so it must stay unchanged until the flush that
   * writes it resolves.
   *
   * @param message the message's fields
   * @param compressing false to send it uncompressed whatever the options say
   * @returns undefined when queued, or a promise when compressing first
   * @throws {ProtocolError} or {MessageTooLargeError} for a message that cannot be encoded
   */
  queue(
    message: OutgoingMessage,
    compressing: boolean = this.#compress,
  ): Promise<void> | undefined {
    // A payload in parts (large bytes not copied, from a transient serializer that neither side
    // uses with compression on) goes as it is: COMPRESSED is a choice per message.
    const payload = message.payload;
    if (compressing && payload instanceof Uint8Array && payload.length > COMPRESSION_THRESHOLD) {
      return compress(payload).then((compressed) => {
        const flags = (message.flags ?? 0) | Flags.COMPRESSED;
        this.#outbox.add({ ...message, payload: compressed, flags }, this.#maxMessageSize);
      });
    }
    this.#outbox.add(message, this.#maxMessageSize);
    return undefined;
  }

  /**
   * Writes everything queued, in order; resolves once the transport took it (waiting for the
   * socket to drain: backpressure). Messages queued meanwhile wait for the next flush.
   */
  flush(): Promise<unknown> {
    // The outbox's own promise where nothing is freed: no extra step on the hot path.
    const connection = this.#connection;
    const writing = this.#outbox.flush(connection.write, connection);
    return this.#release ? writing.then(releaseLarge) : writing;
  }

  /** Stops reading: a pending `read()` ends, the incoming side is dropped. */
  async stopReading(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** Closes the connection after the writes in progress. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  /** Drops the connection at once, with the writes waiting on it (a peer stuck past a timeout). */
  abort(): void {
    if (this.#connection.abort) this.#connection.abort();
    else this.#reader.cancel().catch(() => {});
  }

  /** The open connection keeps the process alive (the default). */
  ref(): void {
    this.#connection.ref?.();
  }

  /** The open connection no longer keeps the process alive (an idle client). */
  unref(): void {
    this.#connection.unref?.();
  }
}

/** Gives the memory of the large written payloads back now rather than at a later collection. */
function releaseLarge(written: readonly Uint8Array[]): void {
  for (const part of written) if (part.length >= RELEASE_FROM) releaseBuffer(part);
}
