/**
 * RFC 6455 frames, the server's side: a push decoder for what clients send (masked frames,
 * fragmented messages, control frames between fragments) and an encoder for what a server
 * sends (unmasked). Node 24 has a WebSocket client but no server; this and `node_ws.ts` are one.
 *
 * ```text
 *  0               1               2               3
 *  FIN RSV1-3 opcode(4) | MASK len(7) | [len 16 or 64 bit] | [mask key 4] | payload
 * ```
 *
 * A length above the limit is refused from the header, before its payload is buffered.
 *
 * @module
 */

/** Frame opcodes. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** A whole message or a control frame, as the decoder hands it out. */
export type Received =
  | { type: "text"; data: string }
  | { type: "binary"; data: Uint8Array }
  | { type: "close"; code: number; reason: string }
  | { type: "ping" | "pong"; data: Uint8Array };

/** A client broke the protocol; the connection is closed with `code`. */
export class FrameError extends Error {
  /** The close code to send: 1002 protocol, 1007 bad UTF-8, 1009 too big. */
  readonly code: number;
  /**
   * @param code the close code
   * @param message why
   */
  constructor(code: number, message: string) {
    super(message);
    this.name = "FrameError";
    this.code = code;
  }
}

/** Options of {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /** The largest message (all its fragments together), in bytes. */
  maxMessageSize: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes client frames pushed in chunks of any size.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from "./ws_frames.ts";
 * const decoder = new FrameDecoder({ maxMessageSize: 1024 });
 * // "Hi" as one masked text frame (mask key 1, 2, 3, 4).
 * const frame = new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 0x48 ^ 1, 0x69 ^ 2]);
 * console.log(decoder.push(frame)); // [ { type: "text", data: "Hi" } ]
 * ```
 */
export class FrameDecoder {
  readonly #max: number;
  // The frame being read: its header bytes so far, then its payload, allocated once its length
  // is known and filled chunk by chunk.
  #head = new Uint8Array(14);
  #headLength = 0;
  #payload: Uint8Array | null = null;
  #filled = 0;
  #opcode = 0;
  #fin = false;
  // A fragmented message's bytes so far, in a buffer that doubles as it fills.
  #message = new Uint8Array(0);
  #messageLength = 0;
  #messageType: number | null = null;

  /** @param options the message size limit */
  constructor(options: FrameDecoderOptions) {
    this.#max = options.maxMessageSize;
  }

  /**
   * Takes the next bytes from the socket.
   *
   * @param chunk bytes, in order
   * @returns the messages and control frames completed by them
   * @throws {FrameError} when the client broke the protocol or a limit
   */
  push(chunk: Uint8Array): Received[] {
    const out: Received[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (!this.#payload) {
        // One header byte at a time: at most 14 of them.
        this.#head[this.#headLength++] = chunk[at++];
        if (this.#headLength === 2) this.#checkStart();
        if (this.#headLength >= 2 && this.#headLength === this.#headSize()) this.#startPayload();
      }
      const payload = this.#payload;
      if (payload) {
        const n = Math.min(payload.length - this.#filled, chunk.length - at);
        payload.set(chunk.subarray(at, at + n), this.#filled);
        this.#filled += n;
        at += n;
        if (this.#filled === payload.length) {
          const received = this.#endFrame(payload);
          if (received) out.push(received);
        }
      }
    }
    return out;
  }

  /** The header's size, from its first two bytes. */
  #headSize(): number {
    const len7 = this.#head[1] & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4;
  }

  /** Refuses a frame from its first two bytes, before the rest of its header arrives. */
  #checkStart(): void {
    const b0 = this.#head[0];
    this.#fin = (b0 & 0x80) !== 0;
    const opcode = this.#opcode = b0 & 0x0f;
    if (b0 & 0x70) throw new FrameError(1002, "reserved bits set (no extension was agreed)");
    if (!(this.#head[1] & 0x80)) throw new FrameError(1002, "a client frame must be masked");
    const control = opcode >= 0x8;
    if (control && opcode > Opcode.PONG || !control && opcode > Opcode.BINARY) {
      throw new FrameError(1002, `unknown opcode ${opcode}`);
    }
  }

  #startPayload(): void {
    const head = this.#head;
    const b1 = head[1];
    const control = this.#opcode >= 0x8;
    let length = b1 & 0x7f;
    const view = new DataView(head.buffer);
    if (length === 126) length = view.getUint16(2);
    else if (length === 127) {
      const high = view.getUint32(2);
      if (high > 0x1fffff) throw new FrameError(1009, "frame length out of range");
      length = high * 2 ** 32 + view.getUint32(6);
    }
    if (control && (length > 125 || !this.#fin)) {
      throw new FrameError(1002, "a control frame must be whole and at most 125 bytes");
    }
    // Checked before allocating: a header that claims gigabytes costs nothing.
    if (!control && this.#messageLength + length > this.#max) {
      throw new FrameError(1009, `message larger than ${this.#max} bytes`);
    }
    this.#payload = new Uint8Array(length);
    this.#filled = 0;
  }

  #endFrame(payload: Uint8Array): Received | null {
    const maskAt = this.#headLength - 4;
    const mask = this.#head.subarray(maskAt, maskAt + 4);
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    this.#payload = null;
    this.#headLength = 0;
    return this.#complete(this.#opcode, this.#fin, payload);
  }

  #append(payload: Uint8Array): void {
    const need = this.#messageLength + payload.length;
    if (need > this.#message.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, 2 * this.#message.length), this.#max));
      grown.set(this.#message.subarray(0, this.#messageLength));
      this.#message = grown;
    }
    this.#message.set(payload, this.#messageLength);
    this.#messageLength = need;
  }

  #complete(opcode: number, fin: boolean, payload: Uint8Array): Received | null {
    switch (opcode) {
      case Opcode.PING:
        return { type: "ping", data: payload };
      case Opcode.PONG:
        return { type: "pong", data: payload };
      case Opcode.CLOSE:
        return closeFrame(payload);
      case Opcode.CONTINUATION:
        if (this.#messageType === null) throw new FrameError(1002, "continuation of nothing");
        break;
      default:
        if (this.#messageType !== null) {
          throw new FrameError(1002, "a new message inside a fragmented one");
        }
        this.#messageType = opcode;
    }
    const type = this.#messageType!;
    let data: Uint8Array;
    if (fin && this.#messageLength === 0) data = payload; // a message in one frame: no copy
    else {
      this.#append(payload);
      if (!fin) return null;
      data = this.#message.subarray(0, this.#messageLength);
      this.#message = new Uint8Array(0);
      this.#messageLength = 0;
    }
    this.#messageType = null;
    if (type === Opcode.BINARY) return { type: "binary", data };
    try {
      return { type: "text", data: utf8.decode(data) };
    } catch {
      throw new FrameError(1007, "a text message that is not UTF-8");
    }
  }
}

function closeFrame(payload: Uint8Array): Received {
  if (payload.length === 0) return { type: "close", code: 1005, reason: "" };
  if (payload.length === 1) throw new FrameError(1002, "a close frame of one byte");
  const code = (payload[0] << 8) | payload[1];
  try {
    return { type: "close", code, reason: utf8.decode(payload.subarray(2)) };
  } catch {
    throw new FrameError(1007, "a close reason that is not UTF-8");
  }
}

/**
 * One unmasked frame, as a server sends it.
 *
 * @param opcode the frame's opcode
 * @param payload its payload
 * @returns the frame's header and payload, to write in this order
 * @example
 * ```ts
 * import { encodeFrame, Opcode } from "./ws_frames.ts";
 * const [header] = encodeFrame(Opcode.BINARY, new Uint8Array(3));
 * console.log(header); // Uint8Array(2) [ 130, 3 ]
 * ```
 */
export function encodeFrame(opcode: number, payload: Uint8Array): [Uint8Array, Uint8Array] {
  const n = payload.length;
  let header: Uint8Array;
  if (n < 126) header = new Uint8Array([0x80 | opcode, n]);
  else if (n < 65536) header = new Uint8Array([0x80 | opcode, 126, n >> 8, n & 0xff]);
  else {
    header = new Uint8Array(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    const view = new DataView(header.buffer);
    view.setUint32(2, Math.floor(n / 2 ** 32));
    view.setUint32(6, n >>> 0);
  }
  return [header, payload];
}

/**
 * A close frame's payload: the code, then the reason in UTF-8 cut to fit 125 bytes.
 *
 * @param code the close code
 * @param reason why
 * @returns the payload
 */
export function closePayload(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason);
  let cut = Math.min(text.length, 123);
  while (cut > 0 && cut < text.length && (text[cut] & 0xc0) === 0x80) cut--; // whole characters
  const out = new Uint8Array(2 + cut);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(text.subarray(0, cut), 2);
  return out;
}
