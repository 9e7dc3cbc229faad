/**
 * Pyro5 messages: the 40-byte header, annotation chunks and the payload.
 *
 * ```
 * offset size field
 * 0x00   4    tag "PYRO"
 * 0x04   2    protocol version, 502
 * 0x06   1    message type (MsgType)
 * 0x07   1    serializer id
 * 0x08   2    flags (Flags)
 * 0x0a   2    sequence number
 * 0x0c   4    data size: payload bytes after the annotations (compressed size if COMPRESSED)
 * 0x10   4    annotations size: sum of (8 + length) over the chunks
 * 0x14   16   correlation id (meaningful when CORR_ID is set)
 * 0x24   2    reserved, 0
 * 0x26   2    magic 0x4dc5
 * then   each annotation chunk: 4 ASCII id bytes, uint32 length, the bytes
 * then   the payload
 * ```
 * All integers are unsigned big-endian.
 *
 * @module
 */
import { MessageTooLargeError, ProtocolError } from "../errors.ts";
import {
  CORRELATION_ID_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  Flags,
  HEADER_SIZE,
  MAGIC,
  PROTOCOL_VERSION,
} from "./constants.ts";
import { TRANSIENT_BELOW } from "../serializers/types.ts";

/** A whole message, as sent or as received (payload already inflated on receipt). */
export interface Message {
  /** Message type (MsgType). */
  type: number;
  /** Serializer id of the payload. */
  serializerId: number;
  /** Flag bits (Flags). */
  flags: number;
  /** Sequence number, 0..65535. */
  seq: number;
  /** The 16 correlation id bytes, or null when the CORR_ID flag is clear. */
  correlationId: Uint8Array | null;
  /** Annotation chunks by their 4-character id, in wire order. */
  annotations: Map<string, Uint8Array>;
  /** The payload bytes. */
  payload: Uint8Array;
}

/** The fixed header fields of a received message. */
export interface MessageHeader {
  /** Message type. */
  type: number;
  /** Serializer id. */
  serializerId: number;
  /** Flag bits. */
  flags: number;
  /** Sequence number. */
  seq: number;
  /** Payload bytes on the wire. */
  dataSize: number;
  /** Annotation bytes on the wire, chunk headers included. */
  annotationsSize: number;
  /** The 16 correlation id bytes, or null when the CORR_ID flag is clear. */
  correlationId: Uint8Array | null;
}

const TAG = [0x50, 0x59, 0x52, 0x4f]; // "PYRO"

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

function putU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value;
}

function putU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Reads and checks a header: tag, version, magic, then the size against the
 * limit, all before anything is allocated for the body.
 *
 * @param bytes at least 40 bytes from `at`, the header first
 * @param maxMessageSize the most annotation plus payload bytes accepted
 * @param at where the header starts in `bytes` (a decoder reads it in place, without a view)
 * @returns the header fields; the correlation id is a view of `bytes`
 * @throws {ProtocolError} naming the field that is wrong and what it held
 * @throws {MessageTooLargeError} when the declared size is over the limit
 * @example
 * ```ts
 * import { encodeMessage, MsgType, parseHeader } from "@pyro5/pyro5/protocol";
 * const bytes = encodeMessage({ type: MsgType.INVOKE, serializerId: 4, seq: 1, payload: new Uint8Array(9) });
 * const header = parseHeader(bytes.subarray(0, 40), 1 << 30);
 * console.log(header.type, header.dataSize); // 4 9
 * ```
 */
export function parseHeader(
  bytes: Uint8Array,
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
  at = 0,
): MessageHeader {
  if (bytes.length - at < HEADER_SIZE) {
    throw new ProtocolError(
      `header too short: ${bytes.length - at} bytes, expected ${HEADER_SIZE}`,
    );
  }
  if (
    bytes[at] !== TAG[0] || bytes[at + 1] !== TAG[1] || bytes[at + 2] !== TAG[2] ||
    bytes[at + 3] !== TAG[3]
  ) {
    throw new ProtocolError(
      `invalid data: tag is 0x${hexOf(bytes.subarray(at, at + 4))}, expected "PYRO"`,
    );
  }
  // Fields read byte by byte: a DataView per message costs more than the whole header.
  const version = u16(bytes, at + 4);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(`invalid protocol version: ${version} (expected ${PROTOCOL_VERSION})`);
  }
  const magic = u16(bytes, at + 38);
  if (magic !== MAGIC) {
    throw new ProtocolError(
      `invalid message or protocol version: magic is 0x${
        magic.toString(16).padStart(4, "0")
      }, expected 0x4dc5`,
    );
  }
  const dataSize = u32(bytes, at + 12);
  const annotationsSize = u32(bytes, at + 16);
  if (dataSize + annotationsSize > maxMessageSize) {
    throw new MessageTooLargeError(
      `message too large (${dataSize + annotationsSize}, max=${maxMessageSize})`,
    );
  }
  const flags = u16(bytes, at + 8);
  return {
    type: bytes[at + 6],
    serializerId: bytes[at + 7],
    flags,
    seq: u16(bytes, at + 10),
    dataSize,
    annotationsSize,
    // A view: a copy is an ArrayBuffer of its own, which costs more than the rest of the header.
    correlationId: flags & Flags.CORR_ID
      ? bytes.subarray(at + 20, at + 20 + CORRELATION_ID_SIZE)
      : null,
  };
}

/**
 * Splits the annotation area of a message into its chunks.
 *
 * @param bytes exactly the annotation bytes
 * @returns chunks by id (a duplicate id: the last one wins, as in Pyro5)
 * @throws {ProtocolError} when a chunk runs past the area or bytes are left over
 * @example
 * ```ts
 * import { parseAnnotations } from "@pyro5/pyro5/protocol";
 * parseAnnotations(new Uint8Array([0x58, 0x54, 0x52, 0x41, 0, 0, 0, 1, 0x21])); // Map { "XTRA" => [0x21] }
 * ```
 */
export function parseAnnotations(bytes: Uint8Array): Map<string, Uint8Array> {
  const annotations = new Map<string, Uint8Array>();
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 8) {
      throw new ProtocolError("annotation parsing did not consume all annotation data");
    }
    const id = String.fromCharCode(
      bytes[offset],
      bytes[offset + 1],
      bytes[offset + 2],
      bytes[offset + 3],
    );
    const length = u32(bytes, offset + 4);
    offset += 8;
    if (length > bytes.length - offset) {
      throw new ProtocolError(
        `annotation chunk length exceeds remaining data: ${id} declares ${length} bytes, ${
          bytes.length - offset
        } remain`,
      );
    }
    annotations.set(id, bytes.subarray(offset, offset + length));
    offset += length;
  }
  return annotations;
}

/** What {@linkcode encodeMessage} needs; annotations and correlation id are optional. */
export interface MessageInit {
  /** Message type. */
  type: number;
  /** Serializer id. */
  serializerId: number;
  /** Flag bits; CORR_ID is set for you when a correlation id is given. */
  flags?: number;
  /** Sequence number (taken modulo 65536). */
  seq: number;
  /** The payload, already compressed if COMPRESSED is set. */
  payload: Uint8Array;
  /** Annotation chunks; ids must be exactly 4 ASCII characters. */
  annotations?: Map<string, Uint8Array> | Record<string, Uint8Array>;
  /** 16 correlation id bytes. */
  correlationId?: Uint8Array | null;
}

function isAsciiId(id: string): boolean {
  if (id.length !== 4) return false;
  for (let i = 0; i < 4; i++) if (id.charCodeAt(i) > 0x7f) return false;
  return true;
}

const NO_ENTRIES: Array<[string, Uint8Array]> = [];

function annotationEntries(
  annotations: MessageInit["annotations"],
): Array<[string, Uint8Array]> {
  if (!annotations) return NO_ENTRIES;
  if (annotations instanceof Map) return annotations.size === 0 ? NO_ENTRIES : [...annotations];
  for (const _ in annotations) return Object.entries(annotations);
  return NO_ENTRIES;
}

/**
 * Writes one message: header, annotation chunks and payload in one buffer.
 *
 * @param init the message fields
 * @param maxMessageSize the most annotation plus payload bytes allowed
 * @returns the bytes to send
 * @throws {ProtocolError} for an annotation id that is not 4 ASCII characters
 * @throws {MessageTooLargeError} when the message is over the limit
 * @example
 * ```ts
 * import { encodeMessage } from "@pyro5/pyro5/protocol";
 * import { MsgType } from "@pyro5/pyro5/protocol";
 * const ping = encodeMessage({ type: MsgType.PING, serializerId: 42, seq: 0, payload: new TextEncoder().encode("ping") });
 * ```
 */
export function encodeMessage(
  init: MessageInit,
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
): Uint8Array {
  return encodeMessageParts(init, maxMessageSize, Infinity)[0];
}

/**
 * Payloads from this size on are not copied behind the header by {@linkcode encodeMessageParts}
 * (nor by the outbox). The serializers' `TRANSIENT_BELOW`: their scratch views are shorter, so
 * every view is copied before the serializer runs again.
 */
export const SEPARATE_PAYLOAD_SIZE: number = TRANSIENT_BELOW;

/**
 * Like {@linkcode encodeMessage}, but a payload of `separateFrom` bytes or more
 * is not copied: the result is then `[header and annotations, payload]`, to be
 * written one after the other.
 *
 * @param init the message fields
 * @param maxMessageSize the most annotation plus payload bytes allowed
 * @param separateFrom the payload size from which it stays a separate part
 * @returns the parts of the message, in order
 * @example
 * ```ts
 * import { encodeMessageParts } from "@pyro5/pyro5/protocol";
 * const parts = encodeMessageParts({ type: 5, serializerId: 4, seq: 1, payload: new Uint8Array(1 << 20) });
 * parts.length; // 2
 * ```
 */
export function encodeMessageParts(
  init: MessageInit,
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
  separateFrom = SEPARATE_PAYLOAD_SIZE,
): Uint8Array[] {
  const checked = checkMessage(init, init.payload.length, maxMessageSize);
  const payload = init.payload;
  const separate = payload.length >= separateFrom;
  const out = new Uint8Array(
    HEADER_SIZE + checked.annotationsSize + (separate ? 0 : payload.length),
  );
  const offset = writeMessageHead(out, 0, init, checked);
  if (separate) return [out, payload];
  out.set(payload, offset);
  return [out];
}

/** A message checked for sending: its final flags and its annotation chunks. Internal. */
export interface CheckedMessage {
  /** The flags, CORR_ID set exactly when a correlation id is given. */
  flags: number;
  /** The annotation chunks, in order. */
  entries: Array<[string, Uint8Array]>;
  /** Their size on the wire, chunk headers included. */
  annotationsSize: number;
  /** The payload's size. */
  payloadSize: number;
}

/**
 * Checks what {@linkcode encodeMessageParts} checks, before anything is written. Internal: for
 * writers that lay messages out in buffers of their own.
 *
 * @param init the message fields but the payload
 * @param payloadSize the payload's size
 * @param maxMessageSize the most annotation plus payload bytes allowed
 * @returns the flags and annotation layout to write
 * @throws {ProtocolError} for an annotation id that is not 4 ASCII characters
 * @throws {MessageTooLargeError} when the message is over the limit
 */
export function checkMessage(
  init: Omit<MessageInit, "payload">,
  payloadSize: number,
  maxMessageSize: number,
): CheckedMessage {
  const entries = annotationEntries(init.annotations);
  let annotationsSize = 0;
  for (const [id, value] of entries) {
    if (!isAsciiId(id)) {
      throw new ProtocolError(
        `annotation identifier must be 4 ascii characters, got ${JSON.stringify(id)}`,
      );
    }
    if (!(value instanceof Uint8Array)) {
      throw new ProtocolError(`annotation ${id} must be bytes (Uint8Array)`);
    }
    annotationsSize += 8 + value.length;
  }
  if (payloadSize + annotationsSize > maxMessageSize) {
    throw new MessageTooLargeError(
      `message too large (${payloadSize + annotationsSize}, max=${maxMessageSize})`,
    );
  }
  let flags = (init.flags ?? 0) & 0xffff;
  const correlationId = init.correlationId;
  if (correlationId) {
    if (correlationId.length !== CORRELATION_ID_SIZE) {
      throw new RangeError(`correlation id must be 16 bytes, got ${correlationId.length}`);
    }
    flags |= Flags.CORR_ID;
  } else flags &= ~Flags.CORR_ID;
  return { flags, entries, annotationsSize, payloadSize };
}

/**
 * Writes a checked message's header and annotation chunks. Internal.
 *
 * @param out the buffer, with room for `HEADER_SIZE + annotationsSize` bytes from `at`
 * @param at where the message starts
 * @param init the message fields but the payload
 * @param checked what {@linkcode checkMessage} returned for them
 * @returns the offset where the payload goes
 */
export function writeMessageHead(
  out: Uint8Array,
  at: number,
  init: Omit<MessageInit, "payload">,
  checked: CheckedMessage,
): number {
  // No DataView: asking a small array for its .buffer moves it off the heap, a cost per message.
  out[at] = TAG[0];
  out[at + 1] = TAG[1];
  out[at + 2] = TAG[2];
  out[at + 3] = TAG[3];
  putU16(out, at + 4, PROTOCOL_VERSION);
  out[at + 6] = init.type;
  out[at + 7] = init.serializerId;
  putU16(out, at + 8, checked.flags);
  putU16(out, at + 10, init.seq & 0xffff);
  putU32(out, at + 12, checked.payloadSize);
  putU32(out, at + 16, checked.annotationsSize);
  const correlationId = init.correlationId;
  if (correlationId) out.set(correlationId, at + 20);
  else out.fill(0, at + 20, at + 36);
  putU16(out, at + 36, 0);
  putU16(out, at + 38, MAGIC);
  let offset = at + HEADER_SIZE;
  for (const [id, value] of checked.entries) {
    for (let i = 0; i < 4; i++) out[offset + i] = id.charCodeAt(i);
    putU32(out, offset + 4, value.length);
    out.set(value, offset + 8);
    offset += 8 + value.length;
  }
  return offset;
}
