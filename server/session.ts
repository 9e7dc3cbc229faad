/**
 * One connection's session on the daemon side: the handshake, the read loop and when replies
 * are written. What a request does is dispatch (`server/dispatch.ts`); the daemon
 * (`server/daemon.ts`) makes a session for every connection it serves.
 *
 * @module
 */
import type { ConfigItems } from "../config.ts";
import { runWithContext } from "../context.ts";
import { ConnectionClosedError, MessageTooLargeError, ProtocolError } from "../errors.ts";
import { getLogger } from "../logging.ts";
import { Annotation, Flags, MsgType } from "../protocol/constants.ts";
import { randomCorrelationBytes } from "../protocol/correlation.ts";
import { connectFailMessage, connectOkMessage, readConnect } from "../protocol/handshake.ts";
import type { Message } from "../protocol/message.ts";
import { MessageConnection } from "../protocol/message_connection.ts";
import type { OutgoingMessage } from "../protocol/outbox.ts";
import { withTimeout } from "../protocol/timeout.ts";
import { getSerializer } from "../serializers/mod.ts";
import { serializerFor } from "../serializers/configured.ts";
import type { Call, Serializer } from "../serializers/types.ts";
import type { ClientConnection } from "./client_connection.ts";
import type { Daemon } from "./daemon.ts";
import {
  callMember,
  decodeCall,
  errorDict,
  type Registered,
  runBatch,
  streamMarker,
  targetOf,
} from "./dispatch.ts";
import { clearHandshakeDeadline, handshakeDeadline } from "./handshake_deadline.ts";
import { RequestContext } from "./request_context.ts";
import { isStreamable, type StreamRegistry } from "./streams.ts";

const log = getLogger("Pyro5.server");
/** Queued reply bytes that are written at once rather than waiting for the batch to end. */
const OUTBOX_LIMIT = 1 << 20;
/**
 * Replies written at the latest after this many: a pipelining client then gets the first ones
 * while the daemon still works on the rest, so the two work at once rather than by turns
 * (measured on Deno, 64 calls in flight: 16 gave 1.5-1.9x the calls/s of one write per chunk;
 * 8 and 32 less than 16).
 */
const FLUSH_AFTER = 16;

/** What a session serves from: its daemon and the daemon's registry and streams. */
export interface SessionOptions {
  /** The daemon (config, `validateHandshake`, `annotations`, metadata). */
  daemon: Daemon;
  /** The daemon's registered objects, by id. */
  objects: ReadonlyMap<string, Registered>;
  /** The daemon's item streams. */
  streams: StreamRegistry;
  /** Whether the client starts with a handshake (not over a connected socket). */
  handshake: boolean;
  /** Why the handshake is to be refused, whatever it says (over MAX_CONNECTIONS). */
  refusal?: string;
  /**
   * Called once the session ended and its connection is closed, with whether the handshake had
   * succeeded; `run()` resolves once it has. Must not reject.
   */
  ended?: (conn: ClientConnection, handshaken: boolean) => Promise<void>;
}

/** The annotations of a reply: the call's, the daemon's, then the message's own, later ones winning. */
function mergeAnnotations(
  ...sources: Array<Record<string, Uint8Array> | undefined>
): Record<string, Uint8Array> | undefined {
  let merged: Record<string, Uint8Array> | undefined;
  for (const source of sources) {
    if (source === undefined) continue;
    for (const key in source) {
      if (Object.hasOwn(source, key)) (merged ??= {})[key] = source[key];
    }
  }
  return merged;
}

/**
 * One connection's request loop: the handshake, then requests in order. Replies wait in the
 * outbox and go out together once no decoded request is left (or after FLUSH_AFTER of them, or
 * OUTBOX_LIMIT bytes), so a pipelining client's replies share a write; oneway calls run on
 * their own.
 */
export class Session {
  readonly #daemon: Daemon;
  readonly #config: ConfigItems;
  readonly #conn: ClientConnection;
  readonly #handshake: boolean;
  readonly #objects: ReadonlyMap<string, Registered>;
  readonly #streams: StreamRegistry;
  readonly #messages: MessageConnection;
  /** True once the client is connected: its handshake succeeded, or none was needed. */
  handshaken: boolean;
  /** Why the handshake is to be refused, whatever it says (over MAX_CONNECTIONS). */
  readonly #refusal: string | null;
  readonly #ended: SessionOptions["ended"];

  /**
   * @param conn the client connection
   * @param options the daemon, its registry and streams, whether there is a handshake
   */
  constructor(conn: ClientConnection, options: SessionOptions) {
    const daemon = options.daemon;
    this.#daemon = daemon;
    this.#config = daemon.config;
    this.#conn = conn;
    this.#handshake = options.handshake;
    this.handshaken = !options.handshake;
    this.#objects = options.objects;
    this.#streams = options.streams;
    this.#refusal = options.refusal ?? null;
    this.#ended = options.ended;
    this.#messages = new MessageConnection(conn.connection, {
      maxMessageSize: this.#config.MAX_MESSAGE_SIZE,
      maxInflatedSize: this.#config.MAX_INFLATED_SIZE,
      compress: this.#config.COMPRESSION,
      releaseWritten: true, // replies are serializer output, the daemon's own
    });
  }

  /** Serves the connection until it ends, and closes it. */
  async run(): Promise<void> {
    try {
      if (this.#handshake) {
        if (!await this.#doHandshake()) return;
        this.handshaken = true;
      }
      for (;;) {
        const messages = this.#messages;
        if (messages.buffered === 0 || messages.queued >= FLUSH_AFTER) await this.#flush();
        let message: Message | null;
        try {
          message = messages.takeReady() ?? await messages.read();
        } catch (e) {
          // After the handshake, Pyro5 answers broken messages by closing the connection.
          log.debug(`closing connection from ${this.#conn.address}: ${e}`);
          return;
        }
        if (message === null) return;
        if (message.type === MsgType.PING) {
          await this.#send(
            { type: MsgType.PING, serializerId: message.serializerId, seq: message.seq },
            new TextEncoder().encode("pong"),
            message.correlationId ?? randomCorrelationBytes(),
            this.#daemon.annotations(),
          );
          continue;
        }
        if (message.type !== MsgType.INVOKE) {
          log.debug(
            `closing connection from ${this.#conn.address}: unexpected msg type ${message.type}`,
          );
          return;
        }
        let serializer: Serializer;
        try {
          serializer = serializerFor(this.#config, message.serializerId);
        } catch {
          return; // unknown serializer: Pyro5 closes the connection without a word
        }
        if (message.flags & Flags.ONEWAY) {
          // Oneway calls run on their own: they must not hold up the next request.
          this.#invoke(message, serializer)?.catch((e) => log.warning(`oneway call failed: ${e}`));
          continue;
        }
        // Most calls return at once and their reply is queued without a single await.
        const pending = this.#invoke(message, serializer);
        if (pending === undefined) continue;
        if (messages.queued === 0) await pending;
        else {
          // Replies are waiting for the batch to end; should this call take real time (a timer,
          // I/O), send them first rather than hold them behind it.
          const early = setTimeout(() => void this.#flush().catch(() => {}), 0);
          try {
            await pending;
          } finally {
            clearTimeout(early);
          }
        }
      }
    } catch (e) {
      log.warning(`connection from ${this.#conn.address} failed: ${e}`);
    } finally {
      await this.#flush().catch(() => {});
      await this.#messages.stopReading();
      await this.#messages.close().catch(() => {});
      await this.#ended?.(this.#conn, this.handshaken);
    }
  }

  async #doHandshake(): Promise<boolean> {
    let message: Message | null;
    // A peer that does not send its handshake in time is dropped (Pyro5 waits forever).
    const timeout = this.#config.HANDSHAKE_TIMEOUT;
    const watch = timeout > 0
      ? handshakeDeadline(timeout, () => {
        log.debug(`closing connection from ${this.#conn.address}: no handshake in ${timeout}s`);
        void this.#messages.stopReading();
      })
      : undefined;
    try {
      message = await this.#messages.read();
    } catch (e) {
      if (e instanceof ProtocolError || e instanceof MessageTooLargeError) {
        await this.#refuse(e.message, null);
      }
      return false;
    } finally {
      if (watch) clearHandshakeDeadline(watch);
    }
    if (message === null) return false;
    if (message.type !== MsgType.CONNECT) {
      await this.#refuse(`invalid msg type ${message.type} received (expected: 1)`, null);
      return false;
    }
    let serializer: Serializer;
    try {
      serializer = serializerFor(this.#config, message.serializerId);
    } catch {
      return false;
    }
    if (this.#refusal !== null) {
      await this.#refuse(this.#refusal, message, serializer);
      return false;
    }
    const context = this.#context(message);
    try {
      const request = readConnect(message, serializer);
      const response = await runWithContext(
        context,
        () => this.#daemon.validateHandshake(this.#conn, request.handshake),
      );
      const meta = this.#daemon.metadataFor(request.object);
      await this.#queue(connectOkMessage({ handshake: response, meta }, {
        serializer,
        seq: message.seq,
        correlationId: context.correlationBytes(),
        annotations: mergeAnnotations(context.responseAnnotations, this.#daemon.annotations()),
      }));
      return true;
    } catch (e) {
      await this.#refuse(e instanceof Error ? e.message : String(e), message, serializer);
      return false;
    }
  }

  /** CONNECTFAIL with a reason (marshal, seq 0, when the request could not be read), then close. */
  async #refuse(
    reason: string,
    message: Message | null,
    serializer: Serializer = getSerializer("marshal"),
  ): Promise<void> {
    log.debug(`refusing connection from ${this.#conn.address}: ${reason}`);
    // Never compressed, whatever COMPRESSION says: a client that failed may not read it else.
    this.#messages.queue(connectFailMessage(reason, message?.seq ?? 0, serializer), false);
    await this.#messages.flush().catch(() => {});
  }

  #context(message: Message): RequestContext {
    // Like Pyro5: the request's correlation id, or a fresh one for this request.
    return new RequestContext(message.correlationId, message.annotations, {
      clientSockAddr: this.#conn.address,
      seq: message.seq,
      msgFlags: message.flags,
      serializerId: message.serializerId,
      client: this.#conn,
    });
  }

  /**
   * Encodes a message and queues it; returns a promise only when it has to wait. A payload
   * below SEPARATE_PAYLOAD_SIZE is copied into the message at once, so it may be transient.
   * A payload in parts (a result holding large bytes, not copied) is written before this
   * connection's next request runs, which might change those bytes.
   */
  #send(
    header: { type: number; serializerId: number; seq: number; flags?: number },
    payload: Uint8Array | Uint8Array[],
    correlationId: Uint8Array,
    annotations: Record<string, Uint8Array> | undefined,
  ): Promise<void> | undefined {
    return this.#queue({ ...header, payload, annotations, correlationId });
  }

  /** Queues a message (compressed first when COMPRESSION is on), then flushes if needed. */
  #queue(message: OutgoingMessage): Promise<void> | undefined {
    const compressing = this.#messages.queue(message);
    if (compressing) return compressing.then(() => this.#flushIfFull());
    return message.payload instanceof Uint8Array ? this.#flushIfFull() : this.#flush();
  }

  /**
   * Replies wait in the outbox, which goes out in one write once no decoded request is left,
   * so a pipelining client's replies share a write; a large backlog is written at once.
   */
  #flushIfFull(): Promise<void> | undefined {
    return this.#messages.queuedSize >= OUTBOX_LIMIT ? this.#flush() : undefined;
  }

  /** Writes every queued reply, in one write when there are several. */
  async #flush(): Promise<void> {
    if (this.#messages.queued === 0) return;
    const commTimeout = this.#config.COMMTIMEOUT;
    // Waiting on a write is the backpressure: no request of this peer is read meanwhile. A peer
    // that stays stuck (reads none of its replies) past COMMTIMEOUT, when set, is dropped.
    const flushing = this.#messages.flush();
    if (commTimeout <= 0) {
      await flushing;
      return;
    }
    flushing.catch(() => {}); // the stuck write fails once the socket is dropped
    await withTimeout(flushing, commTimeout, () => {
      log.warning(
        `dropping ${this.#conn.address}: it read no reply for ${commTimeout}s (COMMTIMEOUT)`,
      );
      // Dropped at once, with the writes waiting on it.
      this.#messages.abort();
      return new ConnectionClosedError(`peer read nothing for ${commTimeout}s`);
    });
  }

  /**
   * Handles one request. Returns a promise only when something has to wait (an async method,
   * a batch, compression, a full outbox), so a plain call costs no await.
   */
  #invoke(message: Message, serializer: Serializer): Promise<void> | undefined {
    const context = this.#context(message);
    return runWithContext(context, () => this.#handle(message, serializer, context));
  }

  #handle(
    message: Message,
    serializer: Serializer,
    context: RequestContext,
  ): Promise<void> | undefined {
    let call: Call;
    try {
      call = decodeCall(message, serializer, this.#config);
    } catch (e) {
      return this.#reply(message, serializer, context, this.#errorDict(e), Flags.EXCEPTION);
    }
    const { objectId, method, vargs, kwargs } = call;
    let result: unknown;
    try {
      const target = targetOf(this.#objects.get(objectId), this.#conn.instances);
      if (method === "<batch>" && (message.flags & Flags.BATCH)) {
        return runBatch(target, vargs, this.#config.DETAILED_TRACEBACK).then(
          (results) => this.#reply(message, serializer, context, results, Flags.BATCH),
          (e) => this.#failed(message, serializer, context, method, e),
        );
      }
      result = callMember(target, method, vargs, kwargs);
    } catch (e) {
      return this.#failed(message, serializer, context, method, e);
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => this.#result(message, serializer, context, value),
        (e) => this.#failed(message, serializer, context, method, e),
      );
    }
    try {
      return this.#result(message, serializer, context, result);
    } catch (e) {
      return this.#failed(message, serializer, context, method, e);
    }
  }

  /** Replies with the error a call raised (a oneway call's is logged). */
  #failed(
    message: Message,
    serializer: Serializer,
    context: RequestContext,
    method: string,
    e: unknown,
  ): Promise<void> | undefined {
    if (message.flags & Flags.ONEWAY) log.warning(`oneway call ${method} failed: ${e}`);
    return this.#reply(message, serializer, context, this.#errorDict(e), Flags.EXCEPTION);
  }

  /** Replies with a call's result: the value, or a stream for an iterator. */
  #result(
    message: Message,
    serializer: Serializer,
    context: RequestContext,
    result: unknown,
  ): Promise<void> | undefined {
    if (message.flags & Flags.ONEWAY) return;
    if (isStreamable(result)) {
      // The reply is Pyro5's stream marker; with streaming on, it names the new stream.
      let stream: Record<string, Uint8Array> | undefined;
      if (this.#config.ITER_STREAMING) {
        const r = result as unknown as Record<symbol, () => unknown>;
        const iterator = typeof (result as { next?: unknown }).next === "function"
          ? result
          : (r[Symbol.asyncIterator] ?? r[Symbol.iterator]).call(result);
        const id = this.#streams.add(iterator as Iterator<unknown>, this.#conn);
        stream = { [Annotation.STREAM]: new TextEncoder().encode(id) };
      }
      return this.#reply(
        message,
        serializer,
        context,
        streamMarker(),
        Flags.EXCEPTION | Flags.ITEMSTREAMRESULT,
        stream,
      );
    }
    return this.#reply(message, serializer, context, result);
  }

  /** Serializes and queues a reply (none for a oneway call). */
  #reply(
    message: Message,
    serializer: Serializer,
    context: RequestContext,
    value: unknown,
    flags = 0,
    extra?: Record<string, Uint8Array>,
  ): Promise<void> | undefined {
    if (message.flags & Flags.ONEWAY) return;
    // The daemon's annotations (user code that may serialize) come before a transient payload.
    const daemonAnnotations = this.#daemon.annotations();
    let payload: Uint8Array | Uint8Array[];
    try {
      // Without compression the payload is copied into the message before anything else runs.
      payload = serializer.dumpsTransient && !this.#config.COMPRESSION
        ? serializer.dumpsTransient(value)
        : serializer.dumps(value);
    } catch (e) {
      // A result that cannot be serialized becomes the serializer's error.
      payload = serializer.dumps(this.#errorDict(e));
      flags = Flags.EXCEPTION;
      extra = undefined;
    }
    const tooLarge = (e: unknown): Promise<void> => {
      if (!(e instanceof MessageTooLargeError)) throw e;
      // Pyro5 closes the connection when a reply would be too large.
      log.warning(`reply too large for ${this.#conn.address}: ${e.message}`);
      return this.#messages.close();
    };
    try {
      return this.#send(
        { type: MsgType.RESULT, serializerId: serializer.id, seq: message.seq, flags },
        payload,
        context.correlationBytes(),
        mergeAnnotations(
          flags & Flags.EXCEPTION ? undefined : context.responseAnnotations,
          daemonAnnotations,
          extra,
        ),
      )?.catch(tooLarge);
    } catch (e) {
      return tooLarge(e);
    }
  }

  #errorDict(e: unknown): Record<string, unknown> {
    return errorDict(e, this.#config.DETAILED_TRACEBACK);
  }
}
