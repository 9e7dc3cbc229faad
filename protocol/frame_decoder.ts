/**
 * A push decoder that turns chunks of a byte stream into messages. It knows
 * a message's size from its header and checks it against the limit before it
 * allocates the body; it copies chunk pieces into the body with `set()` and
 * never concatenates chunk by chunk. A body that lies whole inside one chunk
 * is taken as a view of that chunk, no copy.
 *
 * @module
 */
import { ConnectionClosedError } from "../errors.ts";
import { DEFAULT_MAX_MESSAGE_SIZE, HEADER_SIZE } from "./constants.ts";
import { type Message, type MessageHeader, parseAnnotations, parseHeader } from "./message.ts";

/**
 * A received message before inflation: when the COMPRESSED flag is set,
 * `payload` is still the zlib stream.
 */
export type RawMessage = Message;

/**
 * Decodes messages from pushed chunks.
 *
 * @example
 * ```ts
 * import { encodeMessage, FrameDecoder, MsgType } from "@pyro5/pyro5/protocol";
 * const bytes = encodeMessage({ type: MsgType.PING, serializerId: 0, seq: 7, payload: new Uint8Array(3) });
 * const decoder = new FrameDecoder();
 * // Chunks as a socket gives them: a message may end in any of them.
 * for (const chunk of [bytes.subarray(0, 10), bytes.subarray(10)]) {
 *   for (const message of decoder.push(chunk)) console.log(message.type, message.seq); // 6 7
 * }
 * decoder.end(); // at the end of the stream: throws if a message was cut off
 * ```
 */
export class FrameDecoder {
  #maxMessageSize: number;
  /** A header split across chunks, while it is gathered (made then: most headers are not split). */
  #header: Uint8Array | null = null;
  #headerFill = 0;
  #current: MessageHeader | null = null;
  #body: Uint8Array | null = null;
  #bodyFill = 0;
  #keptChunk = false;

  /**
   * Creates an instance.
   * @param options `maxMessageSize`: the most annotation plus payload bytes accepted (default 1 GiB)
   */
  constructor(options: { maxMessageSize?: number } = {}) {
    this.#maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** True when no partial message is buffered. */
  get idle(): boolean {
    return this.#headerFill === 0 && this.#current === null;
  }

  /**
   * Feeds one chunk.
   *
   * @param chunk bytes from the stream, any length
   * @returns the messages completed by this chunk, in order
   * @throws {ProtocolError} for a bad header or annotations; the stream is then unusable
   */
  push(chunk: Uint8Array): RawMessage[] {
    const out: RawMessage[] = [];
    let offset = 0;
    this.#keptChunk = false;
    while (offset < chunk.length) {
      if (this.#current === null) {
        // Fast path: a whole header inside this chunk needs no copy.
        if (this.#headerFill === 0 && chunk.length - offset >= HEADER_SIZE) {
          this.#current = parseHeader(chunk, this.#maxMessageSize, offset);
          // The correlation id is a view of this chunk, so the chunk must stay as it is.
          if (this.#current.correlationId !== null) this.#keptChunk = true;
          offset += HEADER_SIZE;
        } else {
          const take = Math.min(HEADER_SIZE - this.#headerFill, chunk.length - offset);
          (this.#header ??= new Uint8Array(HEADER_SIZE))
            .set(chunk.subarray(offset, offset + take), this.#headerFill);
          this.#headerFill += take;
          offset += take;
          if (this.#headerFill < HEADER_SIZE) break;
          this.#headerFill = 0;
          // The message keeps the buffer (its correlation id is a view of it); the next split
          // header gets a fresh one.
          const header = this.#header!;
          this.#header = null;
          this.#current = parseHeader(header, this.#maxMessageSize);
        }
      }
      const header = this.#current!;
      const size = header.annotationsSize + header.dataSize;
      if (this.#body === null) {
        if (chunk.length - offset >= size) {
          this.#keptChunk = true;
          out.push(this.#finish(header, chunk, offset));
          offset += size;
          continue;
        }
        this.#body = new Uint8Array(size);
        this.#bodyFill = 0;
      }
      const take = Math.min(size - this.#bodyFill, chunk.length - offset);
      this.#body.set(chunk.subarray(offset, offset + take), this.#bodyFill);
      this.#bodyFill += take;
      offset += take;
      if (this.#bodyFill === size) {
        const body = this.#body;
        this.#body = null;
        out.push(this.#finish(header, body, 0));
      }
    }
    return out;
  }

  /**
   * Whether the messages of the last {@linkcode FrameDecoder.push} are views of its chunk. When
   * not, every byte of the chunk was copied (into a header or a body), and the chunk's owner may
   * free it at once.
   */
  get keptChunk(): boolean {
    return this.#keptChunk;
  }

  /**
   * While a body spread over several chunks is being filled: the part of it
   * still to come, so a reader can read those bytes straight into it.
   *
   * @returns a view of the body's missing bytes, or null when no body is being filled
   */
  pendingBody(): Uint8Array | null {
    return this.#body === null ? null : this.#body.subarray(this.#bodyFill);
  }

  /**
   * Counts bytes that were read into {@linkcode FrameDecoder.pendingBody}.
   *
   * @param n how many bytes were written there, from its start
   * @returns the message once its body is whole, else null
   */
  bodyFilled(n: number): RawMessage | null {
    const body = this.#body;
    const header = this.#current;
    if (body === null || header === null || n < 0 || this.#bodyFill + n > body.length) {
      throw new RangeError(`bodyFilled(${n}): no pending body has room for that`);
    }
    this.#bodyFill += n;
    if (this.#bodyFill < body.length) return null;
    this.#body = null;
    return this.#finish(header, body, 0);
  }

  /**
   * Signals the end of the stream.
   *
   * @throws {ConnectionClosedError} when it ends inside a message
   */
  end(): void {
    if (this.#current !== null) {
      const size = this.#current.annotationsSize + this.#current.dataSize;
      throw new ConnectionClosedError(
        `receiving: not enough data (stream ended after ${this.#bodyFill} of ${size} message body bytes)`,
      );
    }
    if (this.#headerFill > 0) {
      throw new ConnectionClosedError(
        `receiving: not enough data (stream ended after ${this.#headerFill} of ${HEADER_SIZE} header bytes)`,
      );
    }
  }

  /** The message whose body is `header`'s size of bytes of `bytes` from `at` (views, no copy). */
  #finish(header: MessageHeader, bytes: Uint8Array, at: number): RawMessage {
    this.#current = null;
    const payloadAt = at + header.annotationsSize;
    const annotations = header.annotationsSize === 0
      ? new Map<string, Uint8Array>()
      : parseAnnotations(bytes.subarray(at, payloadAt));
    return {
      type: header.type,
      serializerId: header.serializerId,
      flags: header.flags,
      seq: header.seq,
      correlationId: header.correlationId,
      annotations,
      payload: bytes.subarray(payloadAt, payloadAt + header.dataSize),
    };
  }
}
