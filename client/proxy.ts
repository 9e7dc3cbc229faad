/**
 * The client proxy: a local stand-in for a remote object whose unknown
 * properties are remote methods. Python: `Pyro5.client.Proxy`.
 *
 * @module
 */
import {
  asCommunicationError,
  CommunicationError,
  ConnectionClosedError,
  NamingError,
  PyroError,
  SerializeError,
  TimeoutError,
} from "../errors.ts";
import { type ConfigItems, resolveConfig } from "../config.ts";
import { activeContext } from "../context.ts";
import { getLogger } from "../logging.ts";
import { Annotation, DAEMON_NAME, Flags, MsgType } from "../protocol/constants.ts";
import { bytesToUuid, uuidToBytes } from "../protocol/correlation.ts";
import { annotationRecord, stringSet } from "../protocol/values.ts";
import type { Message } from "../protocol/message.ts";
import { awaitConnectReply, connectMessage, readConnectReply } from "../protocol/handshake.ts";
import { getSerializer } from "../serializers/mod.ts";
import { serializerFor } from "../serializers/configured.ts";
import { isTuple, tuple } from "../serializers/types.ts";
import { SerializedBlob } from "./blob.ts";
import type { Serializer, SerializerName } from "../serializers/types.ts";
import { URI } from "../uri.ts";
import { Channel } from "./channel.ts";
import { defaultTransport } from "../transport/select.ts";
import type { Connection, Transport } from "../transport/types.ts";
import { ItemStream } from "./stream.ts";
import { decodingWith } from "./received_config.ts";
import { atCallSite } from "./call_site.ts";

const log = getLogger("Pyro5.client");
const marshal = getSerializer("marshal");

/**
 * Turns a `PYRONAME:` or `PYROMETA:` URI into the `PYRO:` URI to connect to. The public `Proxy`
 * is built with the name server's (`naming/locate.ts`); the core itself knows no name server.
 */
export type Resolver = (uri: URI, config: ConfigItems, transport?: Transport) => Promise<URI>;

/** The resolver of a core made without one: PYRO URIs only. */
const directOnly: Resolver = (uri) =>
  Promise.reject(
    new NamingError(`cannot resolve ${uri}: this proxy has no name resolver (use Proxy)`),
  );

/** Options of a {@linkcode Proxy}; all optional. */
export interface ProxyOptions {
  /** Config items for this proxy only (e.g. `{ SERIALIZER: "msgpack", COMPRESSION: true }`). */
  config?: Partial<ConfigItems>;
  /** The serializer (Python: `_pyroSerializer`). */
  serializer?: SerializerName;
  /** Call timeout in seconds; null for none (Python: `_pyroTimeout`). */
  timeout?: number | null;
  /** Retries after a lost connection (Python: `_pyroMaxRetries`). */
  maxRetries?: number;
  /** Handshake data sent with CONNECT (Python: `_pyroHandshake`). */
  handshake?: unknown;
  /** The transport to connect with; the runtime's own by default. */
  transport?: Transport;
  /** An already connected byte stream to talk over, without a handshake (Python: `connected_socket`). */
  connectedSocket?: Connection;
}

/** Per-call options of {@linkcode ProxyCore._pyroInvoke}. */
export interface InvokeOptions {
  /** Do not wait for a reply. */
  oneway?: boolean;
  /** Timeout in seconds for this call, instead of `_pyroTimeout`. */
  timeout?: number | null;
  /** Aborts the wait for the reply. */
  signal?: AbortSignal;
  /** The correlation id to send (UUID text), instead of the context's. */
  correlationId?: string | null;
  /** Annotations to send, instead of the context's. */
  annotations?: Record<string, Uint8Array>;
  /** Extra header flags (BATCH, KEEPSERIALIZED). */
  flags?: number;
  /** Another object id on the same daemon (used for `Pyro.Daemon`). */
  objectId?: string;
}

/** What a reply carried besides its value. */
export interface ReplyInfo {
  /** The reply's correlation id (UUID text), or null. */
  correlationId: string | null;
  /** The reply's annotations. */
  annotations: Record<string, Uint8Array>;
}

/** A {@linkcode ReplyInfo} whose id becomes text only when read (most callers never look). */
class LastReply implements ReplyInfo {
  #bytes: Uint8Array | null;
  #text: string | null | undefined = undefined;
  annotations: Record<string, Uint8Array>;

  constructor(correlationId: Uint8Array | null, annotations: Record<string, Uint8Array>) {
    this.#bytes = correlationId;
    this.annotations = annotations;
  }

  get correlationId(): string | null {
    if (this.#text === undefined) this.#text = this.#bytes ? bytesToUuid(this.#bytes) : null;
    return this.#text;
  }

  set correlationId(value: string | null) {
    this.#text = value;
  }
}

function asStringSet(value: unknown): Set<string> {
  const names = stringSet(value);
  if (names) return names;
  throw new PyroError(
    `invalid metadata from the daemon: expected a set of names, got ${typeof value}`,
  );
}

/**
 * The proxy's own members; every other property is a remote member. Own
 * members keep Pyro's `_pyro` prefix so they never clash with remote names.
 */
export class ProxyCore {
  /** The URI this proxy is for. */
  _pyroUri: URI;
  /** Remote method names (from the daemon's metadata). */
  _pyroMethods: Set<string> = new Set();
  /** Remote attribute names. */
  _pyroAttrs: Set<string> = new Set();
  /** Remote oneway method names. */
  _pyroOneway: Set<string> = new Set();
  /** Call timeout in seconds, or null for none. */
  _pyroTimeout: number | null;
  /** Retries after a lost connection. */
  _pyroMaxRetries: number;
  /** The serializer name, or null for `config.SERIALIZER`. */
  _pyroSerializer: SerializerName | null;
  /** Handshake data sent with CONNECT. */
  _pyroHandshake: unknown;
  /** This proxy's configuration. */
  readonly _pyroConfig: ConfigItems;
  /** What the last reply carried (correlation id, annotations). */
  _pyroLastReply: ReplyInfo = { correlationId: null, annotations: {} };

  #channel: Channel | null = null;
  #connecting: Promise<boolean> | null = null;
  #seq = 0;
  #transport: Transport | undefined;
  #connectedSocket: Connection | undefined;
  readonly #resolve: Resolver;
  // The object id of the connection: for PYRONAME/PYROMETA URIs, the resolved one.
  #objectId: string | null = null;

  /**
   * Creates an instance.
   * @param uri the object's URI (`PYRO:`, `PYRONAME:`, `PYROMETA:`), or with
   *   `connectedSocket` just the object id
   * @param options see {@linkcode ProxyOptions}
   * @param resolver resolves PYRONAME and PYROMETA URIs (the public `Proxy` passes the name
   *   server's); without one, only PYRO URIs connect
   */
  constructor(uri: string | URI, options: ProxyOptions = {}, resolver: Resolver = directOnly) {
    if (options.connectedSocket && typeof uri === "string" && !uri.includes(":")) {
      uri = `PYRO:${uri}@<<connected-socket>>:0`;
    }
    this._pyroUri = new URI(uri);
    this._pyroConfig = resolveConfig(options.config);
    this._pyroSerializer = options.serializer ?? null;
    if (this._pyroSerializer) getSerializer(this._pyroSerializer); // fail early on a bad name
    const commTimeout = this._pyroConfig.COMMTIMEOUT;
    this._pyroTimeout = options.timeout !== undefined
      ? options.timeout
      : commTimeout > 0
      ? commTimeout
      : null;
    this._pyroMaxRetries = options.maxRetries ?? this._pyroConfig.MAX_RETRIES;
    this._pyroHandshake = options.handshake !== undefined ? options.handshake : "hello";
    this.#transport = options.transport;
    this.#connectedSocket = options.connectedSocket;
    this.#resolve = resolver;
  }

  /** The serializer in use: `config.SERIALIZER` unless set, shaped by this proxy's config. */
  get _pyroSerializerInstance(): Serializer {
    return serializerFor(this._pyroConfig, this._pyroSerializer ?? this._pyroConfig.SERIALIZER);
  }

  /** True while connected. */
  get _pyroConnected(): boolean {
    return this.#channel !== null && !this.#channel.closed;
  }

  /**
   * Connects now rather than on the first call. Python: `_pyroBind`.
   *
   * @returns true when a new connection was made, false when already connected
   */
  async _pyroBind(): Promise<boolean> {
    if (this._pyroConnected) return false;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return await this.#connecting;
  }

  /** Closes the connection; the next call connects again. Python: `_pyroRelease`. */
  async _pyroRelease(): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    this.#connectedSocket = undefined;
    if (channel) await channel.close(new ConnectionClosedError("the proxy was released"));
  }

  /**
   * Releases the connection and connects again, retrying every 2 seconds.
   * Python: `_pyroReconnect`.
   *
   * @param tries how many attempts
   */
  async _pyroReconnect(tries = 100000000): Promise<void> {
    await this._pyroRelease();
    while (tries > 0) {
      try {
        await this._pyroBind();
        return;
      } catch (e) {
        if (!(e instanceof CommunicationError)) throw e;
        tries--;
        if (tries > 0) await new Promise((r) => setTimeout(r, 2000));
      }
    }
    throw new ConnectionClosedError("failed to reconnect");
  }

  /**
   * Asks the daemon for the object's metadata and applies it.
   * Python: `_pyroGetMetadata`.
   *
   * @param objectId another object on the same daemon, or this proxy's object
   */
  async _pyroGetMetadata(objectId?: string): Promise<void> {
    log.debug(`getting metadata for object ${objectId ?? this.#objectId ?? this._pyroUri.object}`);
    const meta = await this._pyroInvoke(
      "get_metadata",
      [objectId ?? this.#objectId ?? this._pyroUri.object],
      {},
      {
        objectId: DAEMON_NAME,
      },
    );
    this.#processMetadata(meta);
  }

  /**
   * Checks the daemon's handshake response; throw to refuse the connection.
   * Python: `_pyroValidateHandshake`. Override it in a subclass or assign it.
   *
   * @param _response what the daemon's `validateHandshake` returned
   */
  _pyroValidateHandshake(_response: unknown): void | Promise<void> {}

  /**
   * Calls a remote method. Remote methods on the proxy call this.
   *
   * @param method the method name (also `__getattr__`, `__setattr__`, `<batch>`)
   * @param vargs positional arguments
   * @param kwargs keyword arguments (null is sent as None)
   * @param options per-call options
   * @returns the result (an {@linkcode ItemStream} for a remote iterator)
   */
  _pyroInvoke(
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    options: InvokeOptions = {},
  ): Promise<unknown> {
    // Without retries (the default) there is nothing to wrap: one async layer less per call.
    if (this._pyroMaxRetries <= 0) return this.#invokeOnce(method, vargs, kwargs, options);
    return this.#invokeRetrying(method, vargs, kwargs, options);
  }

  async #invokeRetrying(
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    options: InvokeOptions,
  ): Promise<unknown> {
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#invokeOnce(method, vargs, kwargs, options);
      } catch (e) {
        // Only recoverable network errors are retried, as Pyro5 does.
        const retry = (e instanceof ConnectionClosedError || e instanceof TimeoutError) &&
          attempt < this._pyroMaxRetries && !options.signal?.aborted;
        if (!retry) throw e;
        log.debug(`retrying ${method} after ${(e as Error).message}`);
      }
    }
  }

  /** Sends a oneway `close_stream` for a remote iterator. */
  async _pyroCloseStream(streamId: string): Promise<void> {
    if (!this._pyroConnected) return;
    await this._pyroInvoke("close_stream", [streamId], {}, { objectId: DAEMON_NAME, oneway: true })
      .catch(
        () => {},
      );
  }

  /** Releases the connection (`await using proxy = new Proxy(...)`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this._pyroRelease();
  }

  /** Shows the URI and connection state. */
  toString(): string {
    return `<Pyro5 Proxy ${this._pyroUri}${this._pyroConnected ? " connected" : ""}>`;
  }

  #nextSeq(channel: Channel): number {
    // Skip numbers still waiting for a reply (possible only after 65536 calls in flight or abandoned).
    do this.#seq = (this.#seq + 1) & 0xffff; while (channel.isPending(this.#seq));
    return this.#seq;
  }

  async #invokeOnce(
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    options: InvokeOptions,
  ): Promise<unknown> {
    options.signal?.throwIfAborted();
    if (!this._pyroConnected) await this._pyroBind();
    const channel = this.#channel!;
    const serializer = this._pyroSerializerInstance;
    const context = activeContext();
    const objectId = options.objectId ?? this.#objectId ?? this._pyroUri.object;
    let flags = options.flags ?? 0;
    let annotations = options.annotations ?? context.annotations;
    let payload: Uint8Array | Uint8Array[];
    const blob = vargs[0];
    if (blob instanceof SerializedBlob) {
      // The daemon reads object and method from BLBI (always marshal) and keeps the payload serialized.
      flags |= Flags.KEEPSERIALIZED;
      annotations = {
        ...annotations,
        [Annotation.BLOB_INFO]: marshal.dumps(tuple(blob.info, objectId, method)),
      };
      payload = blob.payload && blob.payload.serializerId === serializer.id
        ? blob.payload.bytes
        : serializer.dumpsCall(objectId, method, blob.deserialized() as unknown[], kwargs);
    } else if (serializer.dumpsCallTransient && !this._pyroConfig.COMPRESSION) {
      // Copied into the message below before anything else can run: saves an allocation. Large
      // bytes arguments are written from the caller's arrays, which it keeps until the reply.
      payload = serializer.dumpsCallTransient(objectId, method, vargs, kwargs);
    } else {
      // vargs as a Python proxy sends them: a tuple (dumpsCallTransient does this by itself).
      const positional = serializer.name === "serpent" && !isTuple(vargs) ? tuple(...vargs) : vargs;
      payload = serializer.dumpsCall(objectId, method, positional, kwargs);
    }
    const oneway = options.oneway ?? this._pyroOneway.has(method);
    if (oneway) flags |= Flags.ONEWAY;
    const correlationId = options.correlationId !== undefined
      ? options.correlationId
      : context.correlationId;
    const seq = this.#nextSeq(channel);
    const init = {
      type: MsgType.INVOKE,
      serializerId: serializer.id,
      flags,
      seq,
      payload,
      annotations,
      correlationId: correlationId ? uuidToBytes(correlationId) : null,
    };
    // The channel encodes the message into its outbox (a large payload is not copied), or
    // compresses it first when COMPRESSION is on.
    if (oneway) {
      await channel.send(init);
      return undefined;
    }
    try {
      const reply = await this.#awaitReply(channel, seq, init, method, options);
      return this.#decodeReply(reply, serializer, context);
    } catch (e) {
      // As Pyro5 releases its connection after a communication error (a timeout, a
      // SerializeError from the daemon, which then hangs up): the next call connects afresh
      // rather than wait behind an abandoned call or write to a connection being closed.
      if (e instanceof CommunicationError || options.signal?.aborted) this.#retire(channel);
      throw e;
    }
  }

  /** Gives up a channel for new calls; it closes once its calls in flight are answered. */
  #retire(channel: Channel): void {
    // A connected socket cannot be connected again: it stays.
    if (this.#connectedSocket) return;
    if (this.#channel === channel) this.#channel = null;
    channel.retire();
  }

  #awaitReply(
    channel: Channel,
    seq: number,
    outgoing: Parameters<Channel["request"]>[1],
    method: string,
    options: InvokeOptions,
  ): Promise<Message> {
    const timeout = options.timeout !== undefined ? options.timeout : this._pyroTimeout;
    const signal = options.signal;
    const reply = channel.request(seq, outgoing);
    if (!timeout && !signal) return reply;
    return new Promise<Message>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        cleanup();
        const reason = signal!.reason instanceof Error
          ? signal!.reason
          : new DOMException("aborted", "AbortError");
        channel.abandon(seq, reason);
      };
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      if (timeout) {
        timer = setTimeout(() => {
          cleanup();
          channel.abandon(
            seq,
            new TimeoutError(`receiving: timeout (${timeout}s) waiting for the reply to ${method}`),
          );
        }, timeout * 1000);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      reply.then((m) => {
        cleanup();
        resolve(m);
      }, (e) => {
        cleanup();
        reject(e);
      });
    });
  }

  #decodeReply(
    reply: Message,
    serializer: Serializer,
    context: ReturnType<typeof activeContext>,
  ): unknown {
    if (reply.serializerId !== serializer.id) {
      throw new SerializeError(`invalid serializer in response: ${reply.serializerId}`);
    }
    const annotations = annotationRecord(reply.annotations);
    this._pyroLastReply = new LastReply(reply.correlationId, annotations);
    context.responseAnnotations = annotations;
    const data = decodingWith(this._pyroConfig, () => serializer.loads(reply.payload));
    if (reply.flags & Flags.ITEMSTREAMRESULT) {
      const id = reply.annotations.get(Annotation.STREAM);
      if (!id || id.length === 0) {
        throw new PyroError(
          "result of call is an iterator, but the server is not configured to allow streaming",
        );
      }
      return new ItemStream(new TextDecoder().decode(id), this);
    }
    if (reply.flags & Flags.EXCEPTION) {
      throw data instanceof Error
        ? atCallSite(data)
        : new PyroError(`remote exception of unknown form: ${String(data)}`);
    }
    return data;
  }

  #processMetadata(meta: unknown): void {
    if (!meta || typeof meta !== "object") return;
    const m = meta instanceof Map ? Object.fromEntries(meta) : meta as Record<string, unknown>;
    if (m.methods === undefined || m.oneway === undefined || m.attrs === undefined) {
      throw new PyroError(
        "invalid metadata from the daemon: methods, oneway and attrs are required",
      );
    }
    this._pyroOneway = asStringSet(m.oneway);
    this._pyroMethods = asStringSet(m.methods);
    this._pyroAttrs = asStringSet(m.attrs);
    log.debug(
      `from meta: methods=${[...this._pyroMethods]}, oneway methods=${[...this._pyroOneway]}, ` +
        `attributes=${[...this._pyroAttrs]}`,
    );
    if (this._pyroMethods.size === 0 && this._pyroAttrs.size === 0) {
      throw new PyroError(
        `remote object '${this._pyroUri}' doesn't expose any methods or attributes. Did you forget setting @expose on them?`,
      );
    }
  }

  async #connect(): Promise<boolean> {
    if (this._pyroConnected) return false;
    const connected = this.#connectedSocket;
    if (connected) {
      // Pyro5's connected_socket: no handshake; metadata comes from an explicit call.
      this.#attach(new Channel(connected, this.#channelOptions()));
      if (this._pyroMethods.size === 0 && this._pyroAttrs.size === 0) await this._pyroGetMetadata();
      return true;
    }
    const uri = this._pyroUri.protocol === "PYRO"
      ? this._pyroUri
      : await this.#resolve(this._pyroUri, this._pyroConfig, this.#transport);
    const where = uri.sockname ? `./u:${uri.sockname}` : `${uri.host}:${uri.port}`;
    log.debug(`connecting to ${uri}`);
    const transport = this.#transport ??
      (this._pyroConfig.SSL ? await tlsTransportOf(this._pyroConfig) : await defaultTransport());
    const timeout = this._pyroTimeout ?? undefined;
    let connection: Connection;
    try {
      connection = await transport.connect(
        uri.sockname ? { path: uri.sockname } : { hostname: uri.host!, port: uri.port! },
        { timeout },
      );
    } catch (e) {
      throw asCommunicationError(e, `cannot connect to ${where}`);
    }
    const channel = new Channel(connection, this.#channelOptions());
    try {
      await this.#handshake(channel, uri, where, timeout);
    } catch (e) {
      log.error(`cannot connect to ${uri}: ${(e as Error)?.message ?? e}`);
      await channel.close(e as Error);
      throw e;
    }
    log.debug(
      `connected to ${uri} - ${"peerCertificate" in connection ? "SSL" : "unencrypted"}`,
    );
    if (uri !== this._pyroUri && this._pyroUri.protocol !== "PYRO") {
      // Python keeps the PYRONAME URI on the proxy; the connection goes to the resolved one.
      log.debug(`${this._pyroUri} resolved to ${uri}`);
    }
    this.#objectId = uri.object;
    this.#attach(channel);
    if (this._pyroMethods.size === 0 && this._pyroAttrs.size === 0) {
      await this._pyroGetMetadata(uri.object);
    }
    return true;
  }

  #attach(channel: Channel): void {
    channel.onClose = () => {
      if (this.#channel === channel) this.#channel = null;
    };
    this.#channel = channel;
    channel.start();
  }

  async #handshake(
    channel: Channel,
    uri: URI,
    where: string,
    timeout: number | undefined,
  ): Promise<void> {
    const context = activeContext();
    await channel.send(connectMessage({ handshake: this._pyroHandshake, object: uri.object }, {
      serializer: this._pyroSerializerInstance,
      seq: this.#seq,
      annotations: context.annotations,
      correlationId: context.correlationId ? uuidToBytes(context.correlationId) : null,
    }));
    const reply = await awaitConnectReply(channel.readOne(), timeout, where);
    const answer = readConnectReply(reply, where, (id) => serializerFor(this._pyroConfig, id));
    this.#processMetadata(answer.meta);
    if (reply.annotations.size) context.responseAnnotations = annotationRecord(reply.annotations);
    this._pyroLastReply = {
      correlationId: reply.correlationId ? bytesToUuid(reply.correlationId) : null,
      annotations: annotationRecord(reply.annotations),
    };
    await this._pyroValidateHandshake(answer.handshake);
  }

  #channelOptions(): { maxMessageSize: number; maxInflatedSize: number; compress: boolean } {
    const config = this._pyroConfig;
    return {
      maxMessageSize: config.MAX_MESSAGE_SIZE,
      maxInflatedSize: config.MAX_INFLATED_SIZE,
      compress: config.COMPRESSION,
    };
  }
}

// One TLS transport per configuration (its files read once), made on first use.
const tlsTransports = new WeakMap<ConfigItems, Promise<Transport>>();

/** The TLS transport that the proxy's `SSL_*` config items describe. */
function tlsTransportOf(config: ConfigItems): Promise<Transport> {
  let c = tlsTransports.get(config);
  if (!c) {
    c = import("../transport/tls.ts").then((m) => m.tlsTransportFromConfig(config, "client"));
    c.catch(() => tlsTransports.delete(config)); // a missing file may be there next time
    tlsTransports.set(config, c);
  }
  return c;
}
