/**
 * The daemon: serves registered objects to Pyro clients, Python's and ours.
 * Python: `Pyro5.server.Daemon`.
 *
 * There is no thread pool: each connection is one async loop that handles its
 * requests in order, and connections are served side by side, so idle clients
 * cost a little memory and never block a new one.
 *
 * @module
 */
import { type ConfigItems, resolveConfig } from "../config.ts";
import { activeContext, runWithContext, type TrackedResource } from "../context.ts";
import {
  asPythonError,
  AttributeError,
  ConnectionClosedError,
  DaemonError,
  MessageTooLargeError,
  ProtocolError,
} from "../errors.ts";
import {
  type AnyClass,
  behaviorOf,
  expose,
  exposedMembers,
  isPrivateName,
  type Metadata,
  signatureOf,
} from "../expose.ts";
import { getLogger } from "../logging.ts";
import { Annotation, DAEMON_NAME, Flags, MsgType } from "../protocol/constants.ts";
import { randomCorrelationBytes } from "../protocol/correlation.ts";
import type { Message } from "../protocol/message.ts";
import { buildMessage, MessageReader } from "../protocol/message_stream.ts";
import { Outbox } from "../protocol/outbox.ts";
import { getSerializer } from "../serializers/mod.ts";
import { serializerFor } from "../serializers/configured.ts";
import { errorToDict, ExceptionWrapper, registerClassToDict } from "../serializers/registry.ts";
import { type Serializer, tuple } from "../serializers/types.ts";
import type {
  Connection,
  Listener,
  ListeningTransport,
  PeerCertificate,
} from "../transport/types.ts";
import { defaultTransport } from "../transport/select.ts";
import { formatAddress } from "../transport/types.ts";
import { releaseBuffer } from "../transport/buffers.ts";
import { URI } from "../uri.ts";
import { SerializedBlob } from "../client/blob.ts";
import { decodingWith } from "../client/received_config.ts";
import { isStreamable, StreamRegistry } from "./streams.ts";
import { pythonTraceback } from "./traceback.ts";
import { RequestContext } from "./request_context.ts";
import { bindArguments, passesAsIs } from "./signature.ts";

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

/** Reply parts from this size on are released as soon as they are written. */
const RELEASE_FROM = 1 << 20;

/** How long the accept loop waits before accepting again while descriptors are exhausted. */
const ACCEPT_BACKOFF_MS = 100;
/** Failed accepts in a row after which the accept loop waits too, whatever the error. */
const ACCEPT_FAILURES_BEFORE_PAUSE = 100;

/** True for an accept error that says the process or system has no file descriptors left. */
function descriptorsExhausted(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const code = (x as { code?: unknown }).code;
    if (code === "EMFILE" || code === "ENFILE") return true;
    if (/too many open files|os error 2[34]\b/i.test(x.message)) return true;
  }
  return false;
}

/** The longest object id and method name a call may name. */
const MAX_NAME_LENGTH = 1024;

/** Connections over MAX_CONNECTIONS answered with CONNECTFAIL at once; more are just closed. */
const REFUSING_AT_ONCE = 64;

/** Options of a {@linkcode Daemon}; all optional. */
export interface DaemonOptions {
  /** Host to bind (default `config.HOST`, `localhost`). */
  host?: string;
  /** Port to bind; 0 picks a free one (the default). */
  port?: number;
  /** A Unix socket path to listen on instead of TCP. */
  unixsocket?: string;
  /** Host written into URIs, behind NAT. */
  nathost?: string;
  /** Port written into URIs, behind NAT; 0 means the bound port. */
  natport?: number;
  /** Serve one client over this already connected stream, without a handshake (Python: `connected_socket`). */
  connectedSocket?: Connection;
  /** The transport to listen with (one that can listen); the runtime's own by default. */
  transport?: ListeningTransport;
  /** Config items for this daemon only. */
  config?: Partial<ConfigItems>;
}

/** Options of {@linkcode Daemon.register}. */
export interface RegisterOptions {
  /** Replace an existing registration under the same id. */
  force?: boolean;
}

type Registered = { kind: "object"; obj: object } | {
  kind: "class";
  cls: AnyClass;
  single?: object;
};

/** One client connection as the daemon sees it; passed to `validateHandshake` and `clientDisconnect`. */
export class ClientConnection {
  /** The underlying connection. */
  readonly connection: Connection;
  /** The client's address as text (`host:port` or a socket path). */
  readonly address: string;
  /**
   * Over TLS, the certificate the client presented (null when it presented none); undefined
   * for a plain connection. Python: `conn.getpeercert()`.
   */
  get peerCertificate(): PeerCertificate | null | undefined {
    return this.connection.peerCertificate;
  }
  /** Free for the daemon's own use, e.g. to remember what the handshake said. */
  readonly data: Record<string, unknown> = {};
  /** Session instances of registered classes, by class. */
  readonly instances: Map<AnyClass, object> = new Map();
  readonly #resources = new Set<TrackedResource>();

  /**
   * Creates the record of a connection.
   *
   * @param connection the accepted connection
   */
  constructor(connection: Connection) {
    this.connection = connection;
    this.address = formatAddress(connection.remoteAddress);
  }

  /** Closes `resource` when this client goes away. */
  trackResource(resource: TrackedResource): void {
    this.#resources.add(resource);
  }

  /** Stops tracking `resource`. */
  untrackResource(resource: TrackedResource): void {
    this.#resources.delete(resource);
  }

  /** Closes the tracked resources. */
  async closeResources(): Promise<void> {
    for (const r of [...this.#resources]) {
      try {
        await r.close();
      } catch (e) {
        log.warning(`closing a tracked resource failed: ${e}`);
      }
    }
    this.#resources.clear();
  }
}

// Each daemon's stream registry, for its Pyro.Daemon object and connections (not public API).
const streamsOf = new WeakMap<Daemon, StreamRegistry>();
// Which daemon a registered object belongs to, for automatic proxies.
const registeredObjects = new WeakMap<object, Daemon>();
const autoproxyClasses = new WeakSet<AnyClass>();

function plainDict(obj: object): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) dict[key] = (obj as Record<string, unknown>)[key];
  dict.__class__ = obj.constructor?.name ?? "object";
  return dict;
}

/**
 * Serves objects to Pyro clients. Python: `Pyro5.server.Daemon`.
 *
 * @example
 * ```ts
 * import { Daemon } from "@pyro5/pyro5";
 * import { expose } from "@pyro5/pyro5";
 * class Greeter { hello(name: string) { return `Hello, ${name}`; } }
 * expose(Greeter);
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * const uri = daemon.register(Greeter, "example.greeter");
 * // await daemon.requestLoop();
 * ```
 */
export class Daemon {
  /** This daemon's configuration. */
  readonly config: ConfigItems;
  /** Resolves once the daemon listens (at once for a connected socket). */
  readonly ready: Promise<void>;
  readonly #options: DaemonOptions;
  readonly #objects = new Map<string, Registered>();
  readonly #connections = new Set<ClientConnection>();
  /** Connections over MAX_CONNECTIONS, told so in their handshake's reply. */
  readonly #refusing = new Set<Connection>();
  readonly #streams: StreamRegistry;
  readonly #uris: URI[] = [];
  #listener: Listener | null = null;
  #closed = false;
  #closedPromise: Promise<void>;
  #markClosed!: () => void;
  #host: string;
  #port: number;

  /**
   * Starts binding at once; `register` works right away and the URIs it gave
   * get their port when binding completes (`await daemon.ready`).
   *
   * @param options see {@linkcode DaemonOptions}
   */
  constructor(options: DaemonOptions = {}) {
    this.#options = options;
    this.config = resolveConfig(options.config);
    this.#host = options.host ?? this.config.HOST;
    this.#port = options.port ?? 0;
    this.#streams = new StreamRegistry(
      this.config.ITER_STREAM_LIFETIME,
      this.config.ITER_STREAM_LINGER,
    );
    streamsOf.set(this, this.#streams);
    this.#closedPromise = new Promise((resolve) => this.#markClosed = resolve);
    this.#objects.set(DAEMON_NAME, { kind: "object", obj: new DaemonObject(this) });
    this.ready = this.#start();
    this.ready.catch(() => {}); // reported to whoever awaits ready or requestLoop
  }

  /**
   * A daemon that already listens.
   *
   * @param options see {@linkcode DaemonOptions}
   * @returns the daemon, bound
   */
  static async create<T extends Daemon>(
    this: new (options?: DaemonOptions) => T,
    options: DaemonOptions = {},
  ): Promise<T> {
    const daemon = new this(options);
    await daemon.ready;
    return daemon;
  }

  async #start(): Promise<void> {
    if (this.#options.connectedSocket) {
      this.#serve(this.#options.connectedSocket, false);
      return;
    }
    const transport: ListeningTransport = this.#options.transport ??
      (this.config.SSL
        ? await import("../transport/tls.ts").then((m) =>
          m.tlsTransportFromConfig(this.config, "server")
        )
        : await defaultTransport());
    const listener = await transport.listen(
      this.#options.unixsocket
        ? { path: this.#options.unixsocket }
        : { hostname: this.#host, port: this.#port },
    );
    if (this.#closed) {
      await listener.close();
      return;
    }
    this.#listener = listener;
    if (listener.address.transport === "tcp") this.#port = listener.address.port;
    for (const uri of this.#uris) this.#fillLocation(uri);
    log.debug(`daemon created on ${this.locationStr}`);
    if (this.natLocationStr) log.debug(`NAT address is ${this.natLocationStr}`);
    this.#acceptLoop(listener).catch((e) => log.error(`accept loop ended: ${e}`));
  }

  /**
   * Accepts until the listener closes. A failed accept (a peer that reset before we took its
   * connection, or no descriptors left) is logged and never ends the loop; while descriptors are
   * exhausted it waits a little before trying again, rather than spinning.
   */
  async #acceptLoop(listener: Listener): Promise<void> {
    let failures = 0;
    for (;;) {
      let c: Connection | null;
      try {
        c = await listener.accept();
      } catch (e) {
        if (this.#closed) break;
        failures++;
        const exhausted = descriptorsExhausted(e);
        // Logged once per run of failures (a burst of resets, a time without descriptors).
        if (failures === 1) log.warning(`accept failed, still accepting: ${e}`);
        if (exhausted || failures % ACCEPT_FAILURES_BEFORE_PAUSE === 0) {
          await new Promise((r) => setTimeout(r, ACCEPT_BACKOFF_MS));
        }
        continue;
      }
      failures = 0;
      if (c === null) break;
      if (this.#closed) {
        await c.close().catch(() => {});
        break;
      }
      const max = this.config.MAX_CONNECTIONS;
      if (max > 0 && this.#connections.size >= max) this.#refuseConnection(c, max);
      else this.#serve(c, true);
    }
  }

  /** `host:port`, `[ipv6]:port` or `./u:path`: where clients reach this daemon. */
  get locationStr(): string {
    if (this.#options.unixsocket) return `./u:${this.#options.unixsocket}`;
    if (this.#options.connectedSocket) return "./u:<<connected-socket>>";
    return formatAddress({ hostname: this.#host, port: this.#port });
  }

  /**
   * The IP address the daemon's socket is bound to (`127.0.0.1` for `localhost`), or null for a
   * Unix socket, a connected socket, or before binding. Python: `daemon.sock.getsockname()[0]`.
   */
  get boundHost(): string | null {
    const address = this.#listener?.address;
    return address?.transport === "tcp" ? address.hostname : null;
  }

  /** The location written into URIs behind NAT, or null without NAT. */
  get natLocationStr(): string | null {
    const nathost = this.#options.nathost ?? this.config.NATHOST;
    if (!nathost) return null;
    const natport = this.#options.natport ?? this.config.NATPORT;
    return formatAddress({ hostname: nathost, port: natport || this.#port });
  }

  /**
   * Registers an object or a class under an id (a fresh `obj_<hex>` id when
   * none is given) and returns its URI. Python: `Daemon.register`.
   *
   * @param objOrClass an object, or a class to instantiate per its instance mode
   * @param objectId the id; default `obj_<32 hex digits>`
   * @param options `force` to replace an existing registration
   * @returns the URI clients use
   * @throws {DaemonError} when the id or the object is already registered
   */
  register(objOrClass: object, objectId?: string, options: RegisterOptions = {}): URI {
    if (
      (typeof objOrClass !== "object" && typeof objOrClass !== "function") || objOrClass === null
    ) {
      throw new TypeError("register needs an object or a class");
    }
    const id = objectId ?? `obj_${crypto.randomUUID().replaceAll("-", "")}`;
    if (typeof id !== "string" || id === "") {
      throw new TypeError("the object id must be a non-empty string");
    }
    if (!options.force) {
      if (this.#objects.has(id)) {
        throw new DaemonError("an object or class is already registered with that id");
      }
      for (const r of this.#objects.values()) {
        if ((r.kind === "object" ? r.obj : r.cls) === objOrClass) {
          throw new DaemonError("object or class already has a Pyro id");
        }
      }
    }
    const registered: Registered = typeof objOrClass === "function"
      ? { kind: "class", cls: objOrClass as AnyClass }
      : { kind: "object", obj: objOrClass };
    this.#objects.set(id, registered);
    if (registered.kind === "object") {
      registeredObjects.set(objOrClass, this);
      this.#enableAutoproxy(objOrClass.constructor as AnyClass);
    }
    return this.uriFor(id);
  }

  /**
   * Removes a registration. Python: `Daemon.unregister`.
   *
   * @param objOrId the object, the class or the id
   */
  unregister(objOrId: object | string): void {
    const id = typeof objOrId === "string" ? objOrId : this.#idOf(objOrId);
    if (id === null || id === DAEMON_NAME) return;
    const r = this.#objects.get(id);
    this.#objects.delete(id);
    if (r?.kind === "object") registeredObjects.delete(r.obj);
  }

  /**
   * The URI of a registered object or id. Python: `Daemon.uriFor`.
   *
   * @param objOrId the object or its id
   * @param options `nat: false` for the internal address even behind NAT
   * @returns the URI
   */
  uriFor(objOrId: object | string, options: { nat?: boolean } = {}): URI {
    const id = typeof objOrId === "string" ? objOrId : this.#idOf(objOrId);
    if (id === null) throw new DaemonError("object isn't registered in this daemon");
    const nat = options.nat !== false ? this.natLocationStr : null;
    const uri = new URI(`PYRO:${id}@${nat ?? this.locationStr}`);
    // A URI handed out before binding finished gets the real port when it does.
    if (
      !nat && this.#listener === null && !this.#options.unixsocket && !this.#options.connectedSocket
    ) this.#uris.push(uri);
    return uri;
  }

  /**
   * A proxy for a registered object (as the client module makes them).
   * Python: `Daemon.proxyFor`.
   *
   * @param objOrId the object or its id
   * @returns a Proxy
   */
  async proxyFor(objOrId: object | string): Promise<unknown> {
    const { Proxy } = await import("../client/remote.ts");
    return new Proxy(this.uriFor(objOrId));
  }

  /** Ids of every registered object, the daemon's own included. */
  registeredIds(): string[] {
    return [...this.#objects.keys()];
  }

  /** Metadata of a registered object. Python: `DaemonObject.get_metadata`. */
  metadataFor(objectId: string): Metadata {
    const r = this.#objects.get(objectId);
    if (!r) throw new DaemonError("unknown object");
    return exposedMembers(r.kind === "object" ? r.obj : r.cls);
  }

  /**
   * Checks a client's handshake data; return what to answer, throw to refuse.
   * Python: `Daemon.validateHandshake`. Override in a subclass.
   *
   * @param _conn the client connection
   * @param _data the handshake data the client sent
   * @returns the handshake response (default `"hello"`)
   */
  validateHandshake(_conn: ClientConnection, _data: unknown): unknown {
    return "hello";
  }

  /**
   * Called when a client connection ends. Python: `Daemon.clientDisconnect`.
   *
   * @param _conn the connection that ended
   */
  clientDisconnect(_conn: ClientConnection): void | Promise<void> {}

  /** Annotations added to every reply. Python: `Daemon.annotations`. */
  annotations(): Record<string, Uint8Array> {
    return {};
  }

  /** Resolves when the daemon is closed (the daemon serves from the moment it listens). */
  async requestLoop(): Promise<void> {
    await this.ready;
    log.info(`daemon ${this.locationStr} entering requestloop`);
    await this.#closedPromise;
  }

  /** Stops listening, ends every connection, drops every stream, frees the port. */
  async close(): Promise<void> {
    if (this.#closed) return this.#closedPromise;
    this.#closed = true;
    log.debug("daemon closing");
    await this.ready.catch(() => {});
    await this.#listener?.close();
    await Promise.all([...this.#connections].map((c) => c.connection.close().catch(() => {})));
    await Promise.all([...this.#refusing].map((c) => c.close().catch(() => {})));
    await this.#streams.closeAll();
    this.#markClosed();
  }

  /** Closes the daemon (`await using daemon = ...`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #fillLocation(uri: URI): void {
    uri.port = this.#port;
  }

  #idOf(obj: object): string | null {
    for (const [id, r] of this.#objects) {
      if ((r.kind === "object" ? r.obj : r.cls) === obj) return id;
    }
    return null;
  }

  #enableAutoproxy(cls: AnyClass | undefined): void {
    if (!cls || cls === Object || autoproxyClasses.has(cls)) return;
    autoproxyClasses.add(cls);
    registerClassToDict(cls, (obj: object) => {
      const daemon = registeredObjects.get(obj);
      if (!daemon) return plainDict(obj);
      const meta = exposedMembers(obj);
      return {
        __class__: "Pyro5.client.Proxy",
        state: tuple(
          String(daemon.uriFor(obj)),
          tuple(...meta.oneway),
          tuple(...meta.methods),
          tuple(...meta.attrs),
          "hello",
          null,
        ),
      };
    });
  }

  /**
   * A connection over MAX_CONNECTIONS: its handshake is read (within HANDSHAKE_TIMEOUT) and
   * answered with CONNECTFAIL, as Pyro5 refuses a connection, so the client learns why; past a
   * few such at once, further ones are closed at once.
   */
  #refuseConnection(connection: Connection, max: number): void {
    if (this.#refusing.size >= REFUSING_AT_ONCE) {
      connection.close().catch(() => {});
      return;
    }
    this.#refusing.add(connection);
    const reason = `too many connections: the daemon serves at most ${max} (MAX_CONNECTIONS)`;
    new ConnectionHandler(this, new ClientConnection(connection), true, this.#objects, reason)
      .run()
      .catch(() => {})
      .finally(() => this.#refusing.delete(connection));
  }

  #serve(connection: Connection, handshake: boolean): void {
    const conn = new ClientConnection(connection);
    this.#connections.add(conn);
    log.debug(`connected ${conn.address}`);
    const handler = new ConnectionHandler(this, conn, handshake, this.#objects);
    handler.run().finally(async () => {
      this.#connections.delete(conn);
      log.debug(`disconnected ${conn.address}`);
      for (const instance of conn.instances.values()) {
        try {
          await (instance as { close?: () => unknown }).close?.();
        } catch { /* a session object that fails to close: the client is gone anyway */ }
      }
      await conn.closeResources();
      await this.#streams.disconnected(conn);
      // As in Pyro5, only a client that completed the handshake was ever connected.
      if (!handler.handshaken) return;
      try {
        await this.clientDisconnect(conn);
      } catch (e) {
        log.warning(`clientDisconnect failed: ${e}`);
      }
    }).catch((e) => log.warning(`cleaning up after ${conn.address} failed: ${e}`));
  }
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
 * Connections waiting for their handshake, with when they are due. One sweep for all of them
 * rather than a timer each: a timer costs a connection more than the rest of its idle state.
 */
const handshakesDue = new Set<{ due: number; expire(): void }>();
let handshakeSweep: ReturnType<typeof setInterval> | null = null;

/** Calls `expire` once `seconds` pass, unless the entry is deleted from handshakesDue before. */
function watchHandshake(seconds: number, expire: () => void): { due: number; expire(): void } {
  const entry = { due: Date.now() + seconds * 1000, expire };
  handshakesDue.add(entry);
  // The sweep runs a few times per timeout, and only while some connection is waiting.
  const every = Math.max(10, Math.min(1000, seconds * 250));
  handshakeSweep ??= setInterval(() => {
    const now = Date.now();
    for (const e of handshakesDue) {
      if (e.due <= now) {
        handshakesDue.delete(e);
        e.expire();
      }
    }
    if (handshakesDue.size === 0) {
      clearInterval(handshakeSweep!);
      handshakeSweep = null;
    }
  }, every);
  return entry;
}

/** Raised for a lookup that fails before any call runs; aborts a whole batch, as in Pyro5. */
class LookupError extends AttributeError {}

/** One connection's request loop. */
class ConnectionHandler {
  readonly #daemon: Daemon;
  readonly #conn: ClientConnection;
  readonly #handshake: boolean;
  readonly #objects: Map<string, Registered>;
  readonly #reader: MessageReader;
  readonly #outbox: Outbox;
  /** True once the client is connected: its handshake succeeded, or none was needed. */
  handshaken: boolean;
  /** Why the handshake is to be refused, whatever it says (over MAX_CONNECTIONS). */
  readonly #refusal: string | null;

  constructor(
    daemon: Daemon,
    conn: ClientConnection,
    handshake: boolean,
    objects: Map<string, Registered>,
    refusal: string | null = null,
  ) {
    this.#daemon = daemon;
    this.#conn = conn;
    this.#handshake = handshake;
    this.handshaken = !handshake;
    this.#objects = objects;
    this.#refusal = refusal;
    const connection = conn.connection;
    this.#outbox = new Outbox(connection.writesComplete === true);
    this.#reader = new MessageReader(connection.chunks?.() ?? connection.readable, {
      maxMessageSize: daemon.config.MAX_MESSAGE_SIZE,
      maxInflatedSize: daemon.config.MAX_INFLATED_SIZE,
    });
  }

  async run(): Promise<void> {
    try {
      if (this.#handshake) {
        if (!await this.#doHandshake()) return;
        this.handshaken = true;
      }
      for (;;) {
        if (this.#reader.buffered === 0 || this.#outbox.count >= FLUSH_AFTER) await this.#flush();
        let message: Message | null;
        try {
          message = this.#reader.takeReady() ?? await this.#reader.read();
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
          serializer = serializerFor(this.#daemon.config, message.serializerId);
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
        if (this.#outbox.count === 0) await pending;
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
      await this.#reader.cancel().catch(() => {});
      await this.#conn.connection.close().catch(() => {});
    }
  }

  async #doHandshake(): Promise<boolean> {
    let message: Message | null;
    // A peer that does not send its handshake in time is dropped (Pyro5 waits forever).
    const timeout = this.#daemon.config.HANDSHAKE_TIMEOUT;
    const watch = timeout > 0
      ? watchHandshake(timeout, () => {
        log.debug(`closing connection from ${this.#conn.address}: no handshake in ${timeout}s`);
        this.#reader.cancel().catch(() => {});
      })
      : undefined;
    try {
      message = await this.#reader.read();
    } catch (e) {
      if (e instanceof ProtocolError || e instanceof MessageTooLargeError) {
        await this.#refuse(e.message, null);
      }
      return false;
    } finally {
      if (watch) handshakesDue.delete(watch);
    }
    if (message === null) return false;
    if (message.type !== MsgType.CONNECT) {
      await this.#refuse(`invalid msg type ${message.type} received (expected: 1)`, null);
      return false;
    }
    let serializer: Serializer;
    try {
      serializer = serializerFor(this.#daemon.config, message.serializerId);
    } catch {
      return false;
    }
    if (this.#refusal !== null) {
      await this.#refuse(this.#refusal, message, serializer);
      return false;
    }
    const context = this.#context(message);
    try {
      const data = serializer.loads(message.payload) as
        | Record<string, unknown>
        | Map<unknown, unknown>;
      const d = data instanceof Map ? Object.fromEntries(data) as Record<string, unknown> : data;
      if (!d || typeof d !== "object" || !("handshake" in d) || typeof d.object !== "string") {
        throw new ProtocolError(
          "invalid handshake data: expected a dict with handshake and object",
        );
      }
      const response = await runWithContext(
        context,
        () => this.#daemon.validateHandshake(this.#conn, d.handshake),
      );
      const meta = this.#daemon.metadataFor(d.object);
      await this.#send(
        { type: MsgType.CONNECTOK, serializerId: serializer.id, seq: message.seq },
        serializer.dumps({ handshake: response, meta }),
        context.correlationBytes(),
        mergeAnnotations(context.responseAnnotations, this.#daemon.annotations()),
      );
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
    const bytes = await buildMessage({
      type: MsgType.CONNECTFAIL,
      serializerId: serializer.id,
      seq: message?.seq ?? 0,
      payload: serializer.dumps(reason),
      correlationId: randomCorrelationBytes(),
    });
    await this.#conn.connection.write(bytes).catch(() => {});
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
    const config = this.#daemon.config;
    if (config.COMPRESSION) {
      // Compressed replies are serialized with dumps(): one array.
      const init = { ...header, payload: payload as Uint8Array, annotations, correlationId };
      return buildMessage(init, { compress: true, maxMessageSize: config.MAX_MESSAGE_SIZE })
        .then((bytes) => {
          this.#outbox.addBytes(bytes);
          return this.#flushIfFull();
        });
    }
    this.#outbox.add({ ...header, payload, annotations, correlationId }, config.MAX_MESSAGE_SIZE);
    return payload instanceof Uint8Array ? this.#flushIfFull() : this.#flush();
  }

  /**
   * Replies wait in the outbox, which goes out in one write once no decoded request is left,
   * so a pipelining client's replies share a write; a large backlog is written at once.
   */
  #flushIfFull(): Promise<void> | undefined {
    return this.#outbox.size >= OUTBOX_LIMIT ? this.#flush() : undefined;
  }

  /** Writes every queued reply, in one write when there are several. */
  async #flush(): Promise<void> {
    if (this.#outbox.count === 0) return;
    const connection = this.#conn.connection;
    const commTimeout = this.#daemon.config.COMMTIMEOUT;
    // Waiting on a write is the backpressure: no request of this peer is read meanwhile. A peer
    // that stays stuck (reads none of its replies) past COMMTIMEOUT, when set, is dropped.
    const large = commTimeout > 0
      ? await this.#withinCommTimeout(
        this.#outbox.flush((chunk) => connection.write(chunk)),
        commTimeout,
      )
      : await this.#outbox.flush((chunk) => connection.write(chunk));
    // Large payloads are ours (serializer output). Once the transport is done with them, their
    // memory is given back now rather than at the next garbage collection.
    if (connection.writesComplete) {
      for (const part of large) if (part.length >= RELEASE_FROM) releaseBuffer(part);
    }
  }

  /** `flushing`, or a ConnectionClosedError (and the connection dropped) once `seconds` pass. */
  async #withinCommTimeout(
    flushing: Promise<Uint8Array[]>,
    seconds: number,
  ): Promise<Uint8Array[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        log.warning(
          `dropping ${this.#conn.address}: it read no reply for ${seconds}s (COMMTIMEOUT)`,
        );
        // Dropped at once, with the writes waiting on it.
        const connection = this.#conn.connection;
        if (connection.abort) connection.abort();
        else this.#reader.cancel().catch(() => {});
        reject(new ConnectionClosedError(`peer read nothing for ${seconds}s`));
      }, seconds * 1000);
    });
    flushing.catch(() => {}); // the stuck write fails once the socket is dropped
    try {
      return await Promise.race([flushing, stuck]);
    } finally {
      clearTimeout(timer);
    }
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
    let objectId: string;
    let method: string;
    let vargs: unknown[];
    let kwargs: Record<string, unknown> | null;
    try {
      if (message.flags & Flags.KEEPSERIALIZED) {
        const info = message.annotations.get(Annotation.BLOB_INFO);
        if (!info) throw new ProtocolError("KEEPSERIALIZED call without a BLBI annotation");
        const [blobInfo, objId, methodName] = getSerializer("marshal").loads(info) as [
          unknown,
          string,
          string,
        ];
        objectId = objId;
        method = methodName;
        vargs = [
          new SerializedBlob(blobInfo, undefined, {
            serializerId: serializer.id,
            bytes: message.payload,
          }),
        ];
        kwargs = {};
      } else {
        ({ objectId, method, vargs, kwargs } = decodingWith(
          this.#daemon.config,
          () => serializer.loadsCall(message.payload),
        ));
      }
      if (objectId.length > MAX_NAME_LENGTH || method.length > MAX_NAME_LENGTH) {
        throw new ProtocolError(
          `object id or method name too long (${objectId.length} and ${method.length} characters; at most ${MAX_NAME_LENGTH})`,
        );
      }
    } catch (e) {
      return this.#reply(message, serializer, context, this.#errorDict(e), Flags.EXCEPTION);
    }
    let result: unknown;
    try {
      const target = this.#target(objectId);
      if (method === "<batch>" && (message.flags & Flags.BATCH)) {
        return this.#batch(target, vargs).then(
          (results) => this.#reply(message, serializer, context, results, Flags.BATCH),
          (e) => this.#failed(message, serializer, context, method, e),
        );
      }
      result = this.#callMember(target, method, vargs, kwargs);
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
      if (this.#daemon.config.ITER_STREAMING) {
        const r = result as unknown as Record<symbol, () => unknown>;
        const iterator = typeof (result as { next?: unknown }).next === "function"
          ? result
          : (r[Symbol.asyncIterator] ?? r[Symbol.iterator]).call(result);
        const id = streamsOf.get(this.#daemon)!.add(iterator as Iterator<unknown>, this.#conn);
        stream = { [Annotation.STREAM]: new TextEncoder().encode(id) };
      }
      return this.#reply(
        message,
        serializer,
        context,
        this.#streamMarker(),
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
      payload = serializer.dumpsTransient && !this.#daemon.config.COMPRESSION
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
      return this.#conn.connection.close();
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

  #streamMarker(): Record<string, unknown> {
    return {
      __class__: "Pyro5.errors.ProtocolError",
      __exception__: true,
      args: tuple("result of call is an iterator"),
      attributes: { _pyroTraceback: null },
    };
  }

  #errorDict(e: unknown): Record<string, unknown> {
    const error = e instanceof Error ? e : new Error(String(e));
    const dict = errorToDict(error);
    const attributes = dict.attributes as Record<string, unknown>;
    attributes._pyroTraceback = pythonTraceback(error, this.#daemon.config.DETAILED_TRACEBACK);
    return dict;
  }

  /** The object a call goes to, made per the class's instance mode. */
  #target(objectId: string): object {
    const r = this.#objects.get(objectId);
    if (!r) throw new DaemonError("unknown object");
    if (r.kind === "object") return r.obj;
    const { instanceMode, instanceCreator } = behaviorOf(r.cls);
    const make = () =>
      (instanceCreator ? instanceCreator(r.cls) : new (r.cls as new () => object)()) as object;
    if (instanceMode === "percall") return make();
    if (instanceMode === "single") return r.single ??= make();
    let instance = this.#conn.instances.get(r.cls);
    if (!instance) this.#conn.instances.set(r.cls, instance = make());
    return instance;
  }

  /** Calls a member after checking that it is exposed; returns what it returns (maybe a promise). */
  #callMember(
    target: object,
    method: string,
    vargs: unknown[],
    kwargs: Record<string, unknown> | null,
  ): unknown {
    const meta = exposedMembers(target);
    if (method === "__getattr__" || method === "__setattr__") {
      return accessAttribute(target, meta, method, vargs);
    }
    if (!meta.methods.has(method)) {
      const message = isPrivateName(method)
        ? `attempt to access private attribute '${method}'`
        : meta.attrs.has(method) || method in target
        ? `attempt to access unexposed attribute '${method}'`
        : `'${target.constructor?.name ?? "object"}' object has no attribute '${method}'`;
      throw new LookupError(message);
    }
    const fn = (target as Record<string, unknown>)[method] as (...args: unknown[]) => unknown;
    if (kwargs !== null && (typeof kwargs !== "object" || Array.isArray(kwargs))) {
      throw asPythonError(
        new TypeError("keyword arguments must be a mapping"),
        "builtins.TypeError",
      );
    }
    // Python's calling convention: keyword arguments fill the parameters by name.
    const signature = signatureOf(target, method, fn);
    const args = passesAsIs(signature, vargs, kwargs)
      ? vargs
      : bindArguments(qualifiedName(target, method), signature, vargs, kwargs);
    return fn.apply(target, args);
  }

  /** Pyro5's batch: calls in order; the first failing call ends it with an _ExceptionWrapper. */
  async #batch(target: object, calls: unknown[]): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const c of calls) {
      if (!Array.isArray(c) || c.length !== 3 || typeof c[0] !== "string" || !Array.isArray(c[1])) {
        throw new ProtocolError("invalid batch call: expected (method, args, kwargs)");
      }
      try {
        let result = await this.#callMember(
          target,
          c[0],
          c[1],
          c[2] as Record<string, unknown> | null,
        );
        if (result instanceof Promise) result = await result;
        results.push(result);
      } catch (e) {
        if (e instanceof LookupError) throw e;
        const error = e instanceof Error ? e : new Error(String(e));
        (error as { _pyroTraceback?: string[] })._pyroTraceback ??= pythonTraceback(
          error,
          this.#daemon.config.DETAILED_TRACEBACK,
        );
        results.push(new ExceptionWrapper(error));
        break;
      }
    }
    return results;
  }
}

/** Python's `Class.method` for errors: the class that defines the method, else just the name. */
function qualifiedName(target: object, method: string): string {
  for (
    let p = Object.getPrototypeOf(target);
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    if (Object.hasOwn(p, method)) {
      const name = (p as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === "string" && name ? `${name}.${method}` : method;
    }
  }
  return method;
}

/**
 * Reads or writes an exposed attribute, as Pyro5's `__getattr__`/`__setattr__` requests do:
 * anything unexposed, unknown or read-only is Python's `AttributeError`.
 */
function accessAttribute(
  target: object,
  meta: Metadata,
  method: "__getattr__" | "__setattr__",
  vargs: unknown[],
): unknown {
  const name = vargs[0];
  const refuse = () =>
    new AttributeError(`attempt to access unexposed or unknown remote attribute '${name}'`);
  if (typeof name !== "string" || !meta.attrs.has(name)) throw refuse();
  if (method === "__getattr__") return (target as Record<string, unknown>)[name];
  // A getter without a setter, a non-writable or frozen field: Reflect.set says false.
  if (!Reflect.set(target, name, vargs[1])) throw refuse();
  return null;
}

/**
 * The daemon's own object, `Pyro.Daemon`. Python: `Pyro5.server.DaemonObject`.
 */
export class DaemonObject {
  readonly #daemon: Daemon;

  /**
   * Creates the daemon object.
   *
   * @param daemon the daemon it answers for
   */
  constructor(daemon: Daemon) {
    this.#daemon = daemon;
  }

  /** Ids of the registered objects. */
  registered(): string[] {
    return this.#daemon.registeredIds();
  }

  /** Does nothing: a client's way to see the daemon is there. */
  ping(): null {
    return null;
  }

  /** A line about this daemon. */
  info(): string {
    return `${this.#daemon.constructor.name} bound on ${this.#daemon.locationStr}, with ${this.#daemon.registeredIds().length} objects registered (TypeScript pyro5)`;
  }

  /** Metadata of a registered object: exposed methods, oneway methods, attributes. */
  get_metadata(objectId: string): Metadata {
    return this.#daemon.metadataFor(objectId);
  }

  /** The next item of a stream; Python's StopIteration at the end. */
  async get_next_stream_item(streamId: string): Promise<unknown> {
    const client = activeContext().client as object;
    const result = await streamsOf.get(this.#daemon)!.next(streamId, client);
    if (result.done) throw asPythonError(new Error(""), "builtins.StopIteration");
    return result.value;
  }

  /** Closes a stream; unknown ids are ignored. */
  async close_stream(streamId: string): Promise<void> {
    await streamsOf.get(this.#daemon)!.close(streamId);
  }
}

// The daemon object's own methods are what clients may call on it.
expose(
  DaemonObject,
  "registered",
  "ping",
  "info",
  "get_metadata",
  "get_next_stream_item",
  "close_stream",
);
