/**
 * Both halves of Pyro5's handshake, side by side: the client sends CONNECT (its handshake data
 * and the object it wants), the daemon answers CONNECTOK (the response of its
 * `validateHandshake` and the object's metadata) or CONNECTFAIL (why not, as text).
 *
 * | step | message | payload |
 * | --- | --- | --- |
 * | client asks | CONNECT | `{"handshake": data, "object": id}` in the client's serializer |
 * | daemon agrees | CONNECTOK | `{"handshake": response, "meta": metadata}` in the same |
 * | daemon refuses | CONNECTFAIL | the reason, a string (marshal when CONNECT was unreadable) |
 *
 * @module
 */
import { CommunicationError, ProtocolError, TimeoutError } from "../errors.ts";
import { getSerializer } from "../serializers/mod.ts";
import type { Serializer } from "../serializers/types.ts";
import { MsgType } from "./constants.ts";
import { randomCorrelationBytes } from "./correlation.ts";
import type { Message } from "./message.ts";
import type { OutgoingMessage } from "./outbox.ts";
import { withTimeout } from "./timeout.ts";

/** What a client's CONNECT says. */
export interface ConnectRequest {
  /** The client's handshake data (Python: `_pyroHandshake`). */
  handshake: unknown;
  /** The id of the object the client connects for. */
  object: string;
}

/** What the daemon's CONNECTOK says. */
export interface ConnectAnswer {
  /** What the daemon's `validateHandshake` returned. */
  handshake: unknown;
  /** The object's metadata (methods, oneway, attrs), when the daemon sent it. */
  meta: unknown;
}

/** The header fields of a handshake message besides its type and payload. */
export interface HandshakeFields {
  /** The serializer of the payload. */
  serializer: Serializer;
  /** The sequence number. */
  seq: number;
  /** Annotations to send. */
  annotations?: Record<string, Uint8Array>;
  /** The correlation id to send, 16 bytes. */
  correlationId?: Uint8Array | null;
}

// --- the client's half -----------------------------------------------------------------------

/**
 * The client's CONNECT.
 *
 * @param request the handshake data and the object id
 * @param fields serializer, seq, annotations and correlation id
 * @returns the message to send
 */
export function connectMessage(request: ConnectRequest, fields: HandshakeFields): OutgoingMessage {
  return handshakeMessage(MsgType.CONNECT, {
    handshake: request.handshake,
    object: request.object,
  }, fields);
}

/**
 * Waits for the daemon's answer to CONNECT, `timeout` seconds at most.
 *
 * @param reading the read of the answer
 * @param timeout seconds, or undefined (or 0) for no limit
 * @param where the daemon's location, for the error
 * @returns the answer message
 * @throws {TimeoutError} when none came in time
 */
export function awaitConnectReply(
  reading: Promise<Message>,
  timeout: number | undefined,
  where: string,
): Promise<Message> {
  return withTimeout(
    reading,
    timeout,
    () => new TimeoutError(`connecting to ${where}: timeout (${timeout}s)`),
  );
}

/**
 * Checks the daemon's answer to CONNECT.
 *
 * @param reply the message that came back
 * @param where the daemon's location, for the errors
 * @param serializerOf the serializer for a header id (the proxy's own, shaped by its config)
 * @returns the daemon's handshake response and the object's metadata
 * @throws {CommunicationError} for CONNECTFAIL, with the daemon's reason
 * @throws {ProtocolError} for any other message type
 */
export function readConnectReply(
  reply: Message,
  where: string,
  serializerOf: (id: number) => Serializer = getSerializer,
): ConnectAnswer {
  if (reply.type === MsgType.CONNECTFAIL) {
    let reason: unknown = "?";
    try {
      reason = reply.payload.length ? serializerOf(reply.serializerId).loads(reply.payload) : "?";
    } catch {
      reason = new TextDecoder().decode(reply.payload);
    }
    throw new CommunicationError(`connection to ${where} rejected: ${reason}`);
  }
  if (reply.type !== MsgType.CONNECTOK) {
    throw new ProtocolError(`cannot connect to ${where}: invalid msg type ${reply.type} received`);
  }
  const answer = fields(serializerOf(reply.serializerId).loads(reply.payload));
  return { handshake: answer?.handshake, meta: answer?.meta };
}

// --- the daemon's half -----------------------------------------------------------------------

/**
 * Reads a client's CONNECT.
 *
 * @param message the client's first message, a CONNECT
 * @param serializer its serializer
 * @returns the handshake data and the object id
 * @throws {ProtocolError} when the payload is not such a dict
 */
export function readConnect(message: Message, serializer: Serializer): ConnectRequest {
  const d = fields(serializer.loads(message.payload));
  if (!d || typeof d !== "object" || !("handshake" in d) || typeof d.object !== "string") {
    throw new ProtocolError("invalid handshake data: expected a dict with handshake and object");
  }
  return { handshake: d.handshake, object: d.object };
}

/**
 * The daemon's CONNECTOK.
 *
 * @param answer the response of `validateHandshake` and the object's metadata
 * @param fields serializer (the client's), seq (the CONNECT's), annotations, correlation id
 * @returns the message to send
 */
export function connectOkMessage(answer: ConnectAnswer, fields: HandshakeFields): OutgoingMessage {
  return handshakeMessage(MsgType.CONNECTOK, {
    handshake: answer.handshake,
    meta: answer.meta,
  }, fields);
}

/**
 * The daemon's CONNECTFAIL, with a fresh correlation id.
 *
 * @param reason why the connection is refused
 * @param seq the CONNECT's sequence number (0 when it could not be read)
 * @param serializer the client's serializer (marshal when the CONNECT could not be read)
 * @returns the message to send
 */
export function connectFailMessage(
  reason: string,
  seq: number,
  serializer: Serializer = getSerializer("marshal"),
): OutgoingMessage {
  return {
    type: MsgType.CONNECTFAIL,
    serializerId: serializer.id,
    seq,
    payload: serializer.dumps(reason),
    correlationId: randomCorrelationBytes(),
  };
}

/** CONNECT or CONNECTOK: a dict in the given serializer. */
function handshakeMessage(
  type: number,
  body: Record<string, unknown>,
  fields: HandshakeFields,
): OutgoingMessage {
  return {
    type,
    serializerId: fields.serializer.id,
    seq: fields.seq,
    payload: fields.serializer.dumps(body),
    annotations: fields.annotations,
    correlationId: fields.correlationId ?? null,
  };
}

/** A decoded dict as a record (msgpack gives a Map). */
function fields(value: unknown): Record<string, unknown> | null | undefined {
  return value instanceof Map
    ? Object.fromEntries(value) as Record<string, unknown>
    : value as Record<string, unknown> | null | undefined;
}
