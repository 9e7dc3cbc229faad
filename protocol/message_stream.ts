/**
 * Messages over a byte stream: a pull-based reader that wraps the push
 * decoder (reading from the stream only when asked, so backpressure reaches
 * the socket), and a writer that encodes and compresses.
 *
 * @module
 */
import { ConnectionClosedError } from "../errors.ts";
import { compress, decompress } from "./compression.ts";
import {
  COMPRESSION_THRESHOLD,
  DEFAULT_MAX_INFLATED_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  Flags,
} from "./constants.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeMessage, type Message, type MessageInit } from "./message.ts";
import type { ChunkReader } from "../transport/types.ts";

/**
 * Inflates a received message's payload when its COMPRESSED flag is set, and
 * clears the flag, as Pyro5's receiver does.
 *
 * @param message a decoded message
 * @param maxInflatedSize the most bytes the payload may inflate to
 * @returns the same message, payload inflated
 * @throws {ProtocolError} when it is no zlib stream or inflates past the limit
 */
async function inflateMessage(
  message: Message,
  maxInflatedSize: number,
): Promise<Message> {
  if (message.flags & Flags.COMPRESSED) {
    message.payload = await decompress(message.payload, maxInflatedSize);
    message.flags &= ~Flags.COMPRESSED;
  }
  return message;
}

/**
 * Builds the bytes of a message, compressing payloads over 100 bytes when
 * asked (as Pyro5 does with `COMPRESSION` on).
 *
 * @param init the message fields
 * @param options `compress` to compress, `maxMessageSize` for the limit
 * @returns the bytes to send
 * @example
 * ```ts
 * import { buildMessage } from "@pyro5/pyro5/protocol";
 * const bytes = await buildMessage({ type: 6, serializerId: 42, seq: 0, payload: new Uint8Array(4) });
 * ```
 */
export async function buildMessage(
  init: MessageInit,
  options: { compress?: boolean; maxMessageSize?: number } = {},
): Promise<Uint8Array> {
  if (options.compress && init.payload.length > COMPRESSION_THRESHOLD) {
    init = {
      ...init,
      payload: await compress(init.payload),
      flags: (init.flags ?? 0) | Flags.COMPRESSED,
    };
  }
  return encodeMessage(init, options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE);
}

/** A body with at least this much still missing is read straight into, when the source can. */
const DIRECT_READ_SIZE = 64 * 1024;

/**
 * Reads whole messages from a byte stream, one at a time.
 *
 * @example
 * ```ts
 * import { encodeMessage, MessageReader, MsgType } from "@pyro5/pyro5/protocol";
 * const ping = encodeMessage({ type: MsgType.PING, serializerId: 0, seq: 1, payload: new Uint8Array() });
 * const readable = ReadableStream.from([ping, ping.slice()]); // a connection's readable
 * const reader = new MessageReader(readable);
 * for (let m = await reader.read(); m; m = await reader.read()) console.log(m.seq); // 1, 1
 * ```
 */
export class MessageReader {
  #source: ChunkReader;
  #decoder: FrameDecoder;
  #queue: Message[] = [];
  #maxInflatedSize: number;
  #done = false;

  /**
   * Creates an instance.
   * @param readable the byte stream, or a connection's chunk reader (faster: no web stream)
   * @param options `maxMessageSize`: the most annotation plus payload bytes accepted (default
   *   1 GiB); `maxInflatedSize`: the most a compressed payload may inflate to (default 64 MiB)
   */
  constructor(
    readable: ReadableStream<Uint8Array> | ChunkReader,
    options: { maxMessageSize?: number; maxInflatedSize?: number } = {},
  ) {
    const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#maxInflatedSize = options.maxInflatedSize ?? DEFAULT_MAX_INFLATED_SIZE;
    this.#decoder = new FrameDecoder({ maxMessageSize });
    this.#source = readable instanceof ReadableStream ? readable.getReader() : readable;
  }

  /** Messages already decoded and waiting to be read. */
  get buffered(): number {
    return this.#queue.length;
  }

  /**
   * The next message, its payload inflated.
   *
   * No async function: a connection waiting for its next request then holds one pending `then`
   * here rather than a suspended frame (an idle connection should cost little).
   *
   * @returns the message, or null at a clean end of stream (between messages)
   * @throws {ProtocolError} for malformed bytes
   * @throws {ConnectionClosedError} when the stream ends inside a message
   */
  read(): Promise<Message | null> {
    const message = this.#queue.shift();
    if (message !== undefined) return Promise.resolve(this.#ready(message));
    if (this.#done) return Promise.resolve(null);
    try {
      // The rest of a large body goes straight from the socket into it, when the source can.
      const pending = this.#source.readInto && this.#decoder.pendingBody();
      if (pending && pending.length >= DIRECT_READ_SIZE) {
        // A closure per read here: only large bodies come this way, and idle readers keep none.
        return this.#source.readInto!(pending).then((n) => this.#bodyRead(n), this.#readFailed);
      }
      return this.#source.read().then(this.#chunkRead, this.#readFailed);
    } catch (e) {
      return Promise.reject(this.#closedBy(e));
    }
  }

  /** A message taken from the queue, as read() gives it: inflated first when compressed. */
  #ready(message: Message): Message | Promise<Message> {
    // Most messages are not compressed: no extra promise for them.
    return message.flags & Flags.COMPRESSED
      ? inflateMessage(message, this.#maxInflatedSize)
      : message;
  }

  /** The next message after a read: one it completed, else the next read's. */
  #next(): Message | null | Promise<Message | null> {
    const message = this.#queue.shift();
    return message !== undefined ? this.#ready(message) : this.read();
  }

  readonly #chunkRead = (
    result: ReadableStreamReadResult<Uint8Array>,
  ): Message | null | Promise<Message | null> => {
    if (result.done) {
      this.#done = true;
      this.#decoder.end(); // throws when the stream ended inside a message
      return null;
    }
    for (const m of this.#decoder.push(result.value)) this.#queue.push(m);
    // Its bytes were all copied: the transport may free the chunk now (large bodies by chunks).
    if (!this.#decoder.keptChunk) this.#source.release?.(result.value);
    return this.#next();
  };

  #bodyRead(n: number | null): Message | null | Promise<Message | null> {
    if (n === null) {
      this.#done = true;
      this.#decoder.end(); // throws: the stream ended inside this body
      return null;
    }
    const message = this.#decoder.bodyFilled(n);
    if (message) this.#queue.push(message);
    return this.#next();
  }

  readonly #readFailed = (e: unknown): never => {
    throw this.#closedBy(e);
  };

  /** The error a failed read of the source becomes; nothing is read after it. */
  #closedBy(e: unknown): ConnectionClosedError {
    this.#done = true;
    return new ConnectionClosedError(`receiving: ${(e as Error)?.message ?? e}`, { cause: e });
  }

  /**
   * The next message when one is already decoded and needs no inflating,
   * without waiting: lets a loop hand out a whole chunk's messages in one turn.
   *
   * @returns the message, or null when none is ready that way
   */
  takeReady(): Message | null {
    const next = this.#queue[0];
    if (next === undefined || next.flags & Flags.COMPRESSED) return null;
    return this.#queue.shift()!;
  }

  /** Stops reading and releases the stream. */
  async cancel(reason?: unknown): Promise<void> {
    this.#done = true;
    await this.#source.cancel(reason).catch(() => {});
  }

  /** Iterates the messages until the stream ends. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (let m = await this.read(); m !== null; m = await this.read()) yield m;
  }
}
