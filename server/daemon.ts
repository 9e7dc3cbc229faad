/**
 * The daemon: serves registered objects to Pyro clients, Python's and ours.
 * Python: `Pyro5.server.Daemon`.
 *
 * There is no thread pool: each connection is one async loop that handles its
 * requests in order, and connections are served side by side, so idle clients
 * cost a little memory and never block a new one.
 *
 * This file holds the registry, the URIs (NAT included) and the lifecycle; a
 * connection's session is `server/session.ts`, what a request does is
 * `server/dispatch.ts`, the `Pyro.Daemon` object is `server/daemon_object.ts`.
 *
 * @module
 */
import { type ConfigItems, resolveConfig } from "../config.ts";
import { DaemonError } from "../errors.ts";
import { type AnyClass, exposedMembers, type Metadata } from "../expose.ts";
import { getLogger } from "../logging.ts";
import { DAEMON_NAME } from "../protocol/constants.ts";
import type { Connection, Listener, ListeningTransport } from "../transport/types.ts";
import { defaultTransport } from "../transport/select.ts";
import { formatAddress } from "../transport/types.ts";
import { URI } from "../uri.ts";
import { disableAutoproxy, enableAutoproxy } from "./autoproxy.ts";
import { eitherSpelling } from "./option_names.ts";
import { ClientConnection } from "./client_connection.ts";
import { DaemonObject } from "./daemon_object.ts";
import type { Registered } from "./dispatch.ts";
import { Session } from "./session.ts";
import { StreamRegistry } from "./streams.ts";

const log = getLogger("Pyro5.server");
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

/** Connections over MAX_CONNECTIONS answered with CONNECTFAIL at once; more are just closed. */
const REFUSING_AT_ONCE = 64;

/** Options of a {@linkcode Daemon}; all optional. */
export interface DaemonOptions {
  /** Host to bind (default `config.HOST`, `localhost`). */
  host?: string;
  /** Port to bind; 0 picks a free one (the default). */
  port?: number;
  /** A Unix socket path to listen on instead of TCP. Python: `unixsocket`. */
  unixSocket?: string;
  /** Host written into URIs, behind NAT (default `config.NATHOST`). Python: `nathost`. */
  natHost?: string;
  /**
   * Port written into URIs, behind NAT; 0 means the bound port (default `config.NATPORT`).
   * Python: `natport`.
   */
  natPort?: number;
  /** Pyro5's spelling of `unixSocket`, accepted too. */
  unixsocket?: string;
  /** Pyro5's spelling of `natHost`, accepted too. */
  nathost?: string;
  /** Pyro5's spelling of `natPort`, accepted too. */
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
 * console.log(`serving ${uri}`); // PYRO:example.greeter@127.0.0.1:<the port picked>
 * setTimeout(() => daemon.close(), 100); // a real server runs until it is stopped
 * await daemon.requestLoop(); // resolves once the daemon is closed
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
  #transportName = "connected socket";
  readonly #unixSocket: string | undefined;
  readonly #natHost: string | undefined;
  readonly #natPort: number | undefined;

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
    this.#unixSocket = eitherSpelling(options.unixSocket, options.unixsocket, [
      "unixSocket",
      "unixsocket",
    ]);
    this.#natHost = eitherSpelling(options.natHost, options.nathost, ["natHost", "nathost"]);
    this.#natPort = eitherSpelling(options.natPort, options.natport, ["natPort", "natport"]);
    this.#streams = new StreamRegistry(
      this.config.ITER_STREAM_LIFETIME,
      this.config.ITER_STREAM_LINGER,
    );
    this.#closedPromise = new Promise((resolve) => this.#markClosed = resolve);
    this.#objects.set(DAEMON_NAME, {
      kind: "object",
      obj: new DaemonObject(this, this.#streams),
    });
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
      // Served without a handshake: the peer is known (Python: connected_socket).
      void this.#runSession(this.#options.connectedSocket, false);
      return;
    }
    const transport: ListeningTransport = this.#options.transport ??
      (this.config.SSL
        ? await import("../transport/tls.ts").then((m) =>
          m.tlsTransportFromConfig(this.config, "server")
        )
        : await defaultTransport());
    this.#transportName = `${transport.name} transport`;
    const listener = await transport.listen(
      this.#unixSocket ? { path: this.#unixSocket } : { hostname: this.#host, port: this.#port },
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
      void this.serve(c);
    }
  }

  /** `host:port`, `[ipv6]:port` or `./u:path`: where clients reach this daemon. */
  get locationStr(): string {
    if (this.#unixSocket) return `./u:${this.#unixSocket}`;
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

  /**
   * What serves the connections, as text: `<AsyncServer on 127.0.0.1:9090; deno transport>`.
   * Python: `Daemon.transportServer` (the socket server object there, shown by `Pyro.Daemon`'s
   * `info()`).
   */
  get transportServer(): string {
    return `<AsyncServer on ${this.locationStr}; ${this.#transportName}>`;
  }

  /** The location written into URIs behind NAT, or null without NAT. */
  get natLocationStr(): string | null {
    const natHost = this.#natHost ?? this.config.NATHOST;
    if (!natHost) return null;
    const natPort = this.#natPort ?? this.config.NATPORT;
    return formatAddress({ hostname: natHost, port: natPort || this.#port });
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
      enableAutoproxy(objOrClass, this);
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
    if (r?.kind === "object") disableAutoproxy(r.obj);
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
      !nat && this.#listener === null && !this.#unixSocket &&
      !this.#options.connectedSocket
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

  /**
   * Serves one connection that something else accepted (a gateway, a bridge, a listener of
   * its own), with the full handshake, as if this daemon had accepted it: MAX_CONNECTIONS
   * applies, `validateHandshake` and `clientDisconnect` are called, and the connection is
   * closed when the session ends (by either side, or by `close()`). Python has no such method:
   * its socket server does this with each connection it accepts (`Daemon._handshake`, then
   * `Daemon.handleRequest` until the client goes).
   *
   * @param connection an open byte connection whose peer is a Pyro client
   * @returns resolves once the session ended and its cleanup ran; never rejects
   * @example
   * ```ts
   * import { Daemon, expose, memoryPair, memoryTransport, Proxy } from "@pyro5/pyro5";
   * await using daemon = await Daemon.create({ transport: memoryTransport() });
   * const uri = daemon.register(expose({ hello: () => "hi" }), "greeter");
   * const [clientSide, serverSide] = memoryPair(); // say, from a WebSocket bridge
   * const served = daemon.serve(serverSide);
   * await using proxy = new Proxy(uri, { transport: { name: "handed", connect: async () => clientSide } });
   * console.log(await proxy.hello()); // hi
   * await proxy._pyroRelease();
   * await served; // the client hung up
   * ```
   */
  serve(connection: Connection): Promise<void> {
    if (this.#closed) return connection.close().catch(() => {});
    const max = this.config.MAX_CONNECTIONS;
    if (max > 0 && this.#connections.size >= max) return this.#refuseConnection(connection, max);
    return this.#runSession(connection, true);
  }

  /**
   * A connection over MAX_CONNECTIONS: its handshake is read (within HANDSHAKE_TIMEOUT) and
   * answered with CONNECTFAIL, as Pyro5 refuses a connection, so the client learns why; past a
   * few such at once, further ones are closed at once.
   */
  #refuseConnection(connection: Connection, max: number): Promise<void> {
    if (this.#refusing.size >= REFUSING_AT_ONCE) return connection.close().catch(() => {});
    this.#refusing.add(connection);
    const refusal = `too many connections: the daemon serves at most ${max} (MAX_CONNECTIONS)`;
    return this.#session(new ClientConnection(connection), true, refusal)
      .run()
      .catch(() => {})
      .finally(() => this.#refusing.delete(connection));
  }

  #session(conn: ClientConnection, handshake: boolean, refusal?: string): Session {
    return new Session(conn, {
      daemon: this,
      objects: this.#objects,
      streams: this.#streams,
      handshake,
      refusal,
      ended: refusal === undefined ? this.#sessionEnded : undefined,
    });
  }

  /** Serves a connection until it ends; the session then cleans up after its client. */
  #runSession(connection: Connection, handshake: boolean): Promise<void> {
    const conn = new ClientConnection(connection);
    this.#connections.add(conn);
    log.debug(`connected ${conn.address}`);
    return this.#session(conn, handshake).run();
  }

  /**
   * Cleans up after a client whose session ended; never rejects. What every session calls once
   * it ended: one function for all, not a closure each.
   */
  readonly #sessionEnded = async (conn: ClientConnection, handshaken: boolean): Promise<void> => {
    try {
      this.#connections.delete(conn);
      log.debug(`disconnected ${conn.address}`);
      await conn.closeInstances();
      await conn.closeResources();
      await this.#streams.disconnected(conn);
      // As in Pyro5, only a client that completed the handshake was ever connected.
      if (!handshaken) return;
      try {
        await this.clientDisconnect(conn);
      } catch (e) {
        log.warning(`clientDisconnect failed: ${e}`);
      }
    } catch (e) {
      log.warning(`cleaning up after ${conn.address} failed: ${e}`);
    }
  };
}
