/**
 * The WebSocket bridge: each WebSocket of a page is paired with one connection (TCP, or TLS
 * with a TLS transport) to the daemon it asks for, and the bytes go both ways unchanged: the
 * bridge never deserializes a Pyro message. It is not an open relay:
 *
 * | check | when | refusal |
 * | --- | --- | --- |
 * | origin against `cors` | the upgrade request | HTTP 403 |
 * | connections per client, and in all | the upgrade request | HTTP 429 |
 * | the gateway key | the first message | close 4401 |
 * | the name matches `expose`, or the location is one of an exposed name or in `allow` | the first message | close 4403 |
 * | message size | every message | close 1009 |
 *
 * The first message and the close codes are in `transport/websocket_hello.ts`.
 *
 * @module
 */
import { CommunicationError } from "../errors.ts";
import { NameServerProxy } from "../naming/locate.ts";
import { defaultTransport } from "../transport/select.ts";
import type { ChunkReader, Connection, Endpoint, Transport } from "../transport/types.ts";
import { formatAddress } from "../transport/types.ts";
import { BridgeCloseCode, type BridgeHello } from "../transport/websocket_hello.ts";
import { URI } from "../uri.ts";
import type { Accepted, ServerSocket, SocketHandlers, WebSocketEndpoint } from "./ws_types.ts";

/** Options of {@linkcode createWebSocketBridge}; all optional. */
export interface WebSocketBridgeOptions {
  /** The URL path of the endpoint (default `/pyro/ws`). */
  path?: string;
  /**
   * The name server's URI, or a function that finds it (the gateway's); without either, only
   * `allow` locations can be reached.
   */
  nameserver?: string | URI | (() => Promise<URI>);
  /** A regular expression object names must match from their start (default `http\.`); "" exposes all. */
  expose?: string;
  /** Daemon locations (`host:port`) that may be reached whatever is registered. */
  allow?: readonly string[];
  /** The key a client's first message must carry. */
  gatewayKey?: string | null;
  /** Origins allowed: `*` for any (the default), else a comma-separated list; same-origin is always allowed. */
  cors?: string;
  /** Open WebSockets per client address (default 16). */
  maxConnectionsPerClient?: number;
  /** Open WebSockets in all (default 256). */
  maxConnections?: number;
  /** The largest message a page may send, in bytes (default 1 MiB; the transport sends writes in 64 KiB pieces). */
  maxMessageSize?: number;
  /** Seconds a client has to send its first message (default 10). */
  helloTimeout?: number;
  /** Seconds to wait for a daemon's connection (default 10). */
  connectTimeout?: number;
  /** The transport to reach daemons and the name server with; the runtime's own by default (a TLS one for TLS daemons). */
  transport?: Transport;
  /** Told of bridge-side failures. */
  onError?: (error: unknown) => void;
}

/** A bridge: a {@linkcode WebSocketEndpoint} for the runtime adapters, and its state. */
export interface WebSocketBridge extends WebSocketEndpoint {
  /** The WebSockets open now. */
  readonly openSockets: number;
  /** The daemon connections open now. */
  readonly openDaemonConnections: number;
  /** Closes every bridged socket and daemon connection, and the name server proxy. */
  close(): Promise<void>;
}

// Bytes waiting to reach the page before the daemon's side is no longer read, and bytes of the
// page waiting to reach the daemon before the page's side is paused (closed where it cannot be).
const SEND_HIGH_WATER_MARK = 1 << 20;
const DRAIN_POLL_MS = 2;
// Where the runtime cannot pause a WebSocket (Deno), the most a page may have in flight to its
// daemon before it is cut off: the page's transport waits on its own socket, not on the daemon.
const MAX_UNPAUSED_BYTES = 16 << 20;
const MAX_HELLO = 4096;

/** A `host:port`, `[ipv6]:port` or `./u:path` location as an endpoint, or null. */
function parseLocation(text: string): Endpoint | null {
  if (text.startsWith("./u:")) return text.length > 4 ? { path: text.slice(4) } : null;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return null;
  const port = Number(match[3]);
  return port > 0 && port < 65536 ? { hostname: match[1] ?? match[2], port } : null;
}

function locationOf(uri: URI): string {
  return formatAddress(
    uri.sockname ? { path: uri.sockname } : { hostname: uri.host!, port: uri.port! },
  );
}

function originAllowed(request: Request, cors: string): boolean {
  const origin = request.headers.get("origin");
  if (!origin || cors === "*") return true; // no Origin: not a browser; the key still applies
  const host = request.headers.get("host");
  try {
    if (host && new URL(origin).host === host) return true;
  } catch {
    return false;
  }
  return cors.split(",").map((s) => s.trim()).filter(Boolean).includes(origin);
}

/**
 * Creates a WebSocket bridge to serve beside a fetch handler (`serve(handler, { webSocket })`),
 * or with the gateway's `webSocket` option.
 *
 * @param options name server, expose pattern, allow-list, key, origins, limits
 * @returns the bridge
 * @example
 * ```ts
 * import { createWebSocketBridge } from "./ws_bridge.ts";
 * import { serve } from "./serve.ts";
 * const bridge = createWebSocketBridge({ allow: ["localhost:9999"], gatewayKey: "s3cret" });
 * const server = await serve(() => new Response("", { status: 404 }), { port: 0, webSocket: bridge });
 * // Pages now reach localhost:9999 through ws://localhost:<port>/pyro/ws with the key.
 * await server.close();
 * await bridge.close();
 * ```
 */
export function createWebSocketBridge(options: WebSocketBridgeOptions = {}): WebSocketBridge {
  const path = options.path ?? "/pyro/ws";
  const expose = options.expose ?? "http\\.";
  const exposeRegex = expose ? new RegExp(`^(?:${expose})`) : null;
  const allowed = new Set((options.allow ?? []).map((l) => {
    const endpoint = parseLocation(l);
    if (!endpoint) throw new TypeError(`allow: "${l}" is not a host:port location`);
    return formatAddress(endpoint);
  }));
  const key = options.gatewayKey || null;
  const cors = options.cors ?? "*";
  const perClient = options.maxConnectionsPerClient ?? 16;
  const maxAll = options.maxConnections ?? 256;
  const maxMessageSize = options.maxMessageSize ?? 1 << 20;
  const helloTimeout = (options.helloTimeout ?? 10) * 1000;
  const connectTimeout = options.connectTimeout ?? 10;
  const clients = new Map<string, number>();
  const sessions = new Set<Session>();
  // Locations of exposed names, learned from lookups and listings; a location stays reachable
  // once an exposed name was registered there.
  const exposedLocations = new Set<string>();
  let ns: NameServerProxy | null = null;
  let daemonConnections = 0;

  const transport = (): Promise<Transport> =>
    options.transport ? Promise.resolve(options.transport) : defaultTransport();

  async function nameServer(): Promise<NameServerProxy> {
    if (ns) return ns;
    const where = options.nameserver;
    if (!where) throw new CommunicationError("this bridge has no name server");
    const uri = typeof where === "function" ? await where() : new URI(where);
    return ns = new NameServerProxy(uri, { transport: options.transport });
  }

  /** Calls the name server; a broken proxy is dropped so the next call makes a new one. */
  async function withNameServer<T>(use: (ns: NameServerProxy) => Promise<T>): Promise<T> {
    const proxy = await nameServer();
    try {
      return await use(proxy);
    } catch (e) {
      if (e instanceof CommunicationError && ns === proxy) {
        ns = null;
        await proxy.proxy._pyroRelease().catch(() => {});
      }
      throw e;
    }
  }

  async function isExposedLocation(location: string): Promise<boolean> {
    if (allowed.has(location) || exposedLocations.has(location)) return true;
    if (!options.nameserver) return false;
    const listed = await withNameServer((p) => p.list({ regex: expose || undefined }));
    for (const uri of listed.values()) exposedLocations.add(locationOf(uri as URI));
    return exposedLocations.has(location);
  }

  class Session implements SocketHandlers {
    readonly #socket: ServerSocket;
    readonly #client: string;
    #state: "hello" | "busy" | "open" | "closed" = "hello";
    #daemon: Connection | null = null;
    #timer: ReturnType<typeof setTimeout> | undefined;
    #writes: Promise<void> = Promise.resolve();
    #pendingBytes = 0;
    #paused = false;
    #drained: (() => void) | null = null;

    constructor(socket: ServerSocket, client: string) {
      this.#socket = socket;
      this.#client = client;
      this.#timer = setTimeout(
        () => this.end(BridgeCloseCode.HELLO_TIMEOUT, "no hello in time"),
        helloTimeout,
      );
    }

    message(data: Uint8Array | string): void {
      if (this.#state === "closed") return;
      const size = typeof data === "string" ? data.length : data.byteLength;
      if (size > maxMessageSize) {
        return this.end(BridgeCloseCode.TOO_BIG, `message larger than ${maxMessageSize} bytes`);
      }
      if (this.#state === "hello") {
        clearTimeout(this.#timer);
        if (typeof data !== "string" || data.length > MAX_HELLO) {
          return this.end(BridgeCloseCode.PROTOCOL, "the first message must be a short text");
        }
        this.#state = "busy";
        this.#hello(data).catch((e) => {
          options.onError?.(e);
          this.end(BridgeCloseCode.INTERNAL, "bridge failure");
        });
        return;
      }
      if (this.#state !== "open" || typeof data === "string") {
        return this.end(BridgeCloseCode.PROTOCOL, "only bytes after the answer");
      }
      this.#forward(data);
    }

    drain(): void {
      this.#drained?.();
    }

    close(): void {
      this.end(BridgeCloseCode.NORMAL, "");
    }

    /** Closes both sides, once. */
    end(code: number, reason: string): void {
      if (this.#state === "closed") return;
      this.#state = "closed";
      clearTimeout(this.#timer);
      sessions.delete(this);
      const n = (clients.get(this.#client) ?? 1) - 1;
      if (n > 0) clients.set(this.#client, n);
      else clients.delete(this.#client);
      this.#drained?.();
      try {
        this.#socket.close(code, reason);
      } catch { /* already closed */ }
      const daemon = this.#daemon;
      if (daemon) {
        this.#daemon = null;
        // Pending writes are dropped: the page that sent them is gone.
        if (daemon.abort) daemon.abort();
        else void daemon.close().catch(() => {});
        daemonConnections--;
      }
    }

    async #hello(text: string): Promise<void> {
      let hello: BridgeHello;
      try {
        hello = JSON.parse(text);
        if (hello === null || typeof hello !== "object") throw new TypeError("not an object");
      } catch {
        return this.end(BridgeCloseCode.PROTOCOL, "the first message must be a JSON object");
      }
      if (key !== null && hello.key !== key) {
        return this.end(BridgeCloseCode.BAD_KEY, "incorrect gateway key");
      }
      if (typeof hello.lookup === "string") return await this.#lookup(hello.lookup);
      if (typeof hello.connect === "string") return await this.#connect(hello.connect);
      this.end(BridgeCloseCode.PROTOCOL, "the first message needs connect or lookup");
    }

    async #lookup(name: string): Promise<void> {
      if (exposeRegex && !exposeRegex.test(name)) {
        return this.end(BridgeCloseCode.FORBIDDEN, `${name} is not exposed`);
      }
      let uri: URI;
      try {
        uri = await withNameServer((p) => p.lookup(name));
      } catch (e) {
        if (e instanceof CommunicationError) {
          return this.end(BridgeCloseCode.UNREACHABLE, "the name server is unreachable");
        }
        return this.end(BridgeCloseCode.UNKNOWN_NAME, `unknown name: ${name}`);
      }
      exposedLocations.add(locationOf(uri));
      if (this.#state === "closed") return;
      this.#socket.send(JSON.stringify({ uri: String(uri) }));
      this.end(BridgeCloseCode.NORMAL, "");
    }

    async #connect(location: string): Promise<void> {
      const endpoint = parseLocation(location);
      if (!endpoint) return this.end(BridgeCloseCode.PROTOCOL, "connect needs host:port");
      const normal = formatAddress(endpoint);
      let exposed: boolean;
      try {
        exposed = await isExposedLocation(normal);
      } catch {
        return this.end(BridgeCloseCode.UNREACHABLE, "the name server is unreachable");
      }
      if (!exposed) return this.end(BridgeCloseCode.FORBIDDEN, `${normal} is not exposed`);
      let daemon: Connection;
      try {
        daemon = await (await transport()).connect(endpoint, { timeout: connectTimeout });
      } catch (e) {
        options.onError?.(e);
        return this.end(BridgeCloseCode.UNREACHABLE, `cannot connect to ${normal}`);
      }
      daemonConnections++;
      if (this.#state === "closed") {
        daemonConnections--;
        return void daemon.close().catch(() => {});
      }
      this.#daemon = daemon;
      this.#state = "open";
      this.#socket.send(JSON.stringify({ connected: normal }));
      void this.#pump(daemon);
    }

    /** Page to daemon: writes in order; too much waiting pauses the page, or ends it. */
    #forward(data: Uint8Array): void {
      const daemon = this.#daemon!;
      this.#pendingBytes += data.byteLength;
      if (this.#pendingBytes > SEND_HIGH_WATER_MARK && !this.#paused) {
        if (!this.#socket.pause) {
          // A runtime that cannot stop reading: a page that does not wait is cut off.
          if (this.#pendingBytes > MAX_UNPAUSED_BYTES) {
            return this.end(BridgeCloseCode.TOO_BIG, "the page sends faster than the daemon reads");
          }
        } else {
          this.#paused = true;
          this.#socket.pause();
        }
      }
      this.#writes = this.#writes.then(async () => {
        if (this.#state !== "open") return;
        try {
          await daemon.write(data);
        } catch {
          return this.end(BridgeCloseCode.UNREACHABLE, "the daemon's connection failed");
        }
        this.#pendingBytes -= data.byteLength;
        if (this.#paused && this.#pendingBytes < SEND_HIGH_WATER_MARK / 2) {
          this.#paused = false;
          this.#socket.resume?.();
        }
      });
    }

    /** Daemon to page: the daemon is read only while the page's socket keeps up. */
    async #pump(daemon: Connection): Promise<void> {
      const reader: ChunkReader = daemon.chunks?.() ?? daemon.readable.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (this.#state !== "open") return;
          if (done) return this.end(BridgeCloseCode.NORMAL, "the daemon closed the connection");
          // A copy: the socket may keep the bytes past this turn, and the reader may reuse them.
          this.#socket.send(value.slice());
          reader.release?.(value);
          while (this.#socket.bufferedAmount > SEND_HIGH_WATER_MARK && this.#state === "open") {
            await new Promise<void>((resolve) => {
              const wake = () => {
                clearTimeout(timer);
                resolve();
              };
              // Woken by the runtime's drain event where there is one, else polled.
              const timer = setTimeout(wake, DRAIN_POLL_MS);
              this.#drained = wake;
            });
            this.#drained = null;
          }
        }
      } catch {
        this.end(BridgeCloseCode.UNREACHABLE, "the daemon's connection failed");
      }
    }
  }

  function refuse(status: number, text: string): Response {
    return new Response(text, { status, headers: { "Content-Type": "text/plain" } });
  }

  return {
    maxMessageSize,
    upgrade(request: Request, client: string): Accepted | Response | null {
      if (new URL(request.url).pathname !== path) return null;
      if (!originAllowed(request, cors)) return refuse(403, "403 Forbidden - origin not allowed");
      if (sessions.size >= maxAll || (clients.get(client) ?? 0) >= perClient) {
        return refuse(429, "429 Too Many Requests - too many WebSocket connections");
      }
      return {
        open(socket: ServerSocket): SocketHandlers {
          const session = new Session(socket, client);
          const count = (clients.get(client) ?? 0) + 1;
          clients.set(client, count);
          sessions.add(session);
          // Upgrades accepted at once may pass the check above together.
          if (count > perClient || sessions.size > maxAll) {
            session.end(BridgeCloseCode.TOO_MANY, "too many WebSocket connections");
          }
          return session;
        },
      };
    },
    get openSockets() {
      return sessions.size;
    },
    get openDaemonConnections() {
      return daemonConnections;
    },
    async close() {
      for (const session of [...sessions]) session.end(1001, "the bridge is closing");
      const proxy = ns;
      ns = null;
      await proxy?.proxy._pyroRelease().catch(() => {});
    },
  };
}
