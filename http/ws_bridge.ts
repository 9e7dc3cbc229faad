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
 * The first message and the close codes are in `transport/websocket_hello.ts`; one socket's
 * forwarding is `ws_session.ts`.
 *
 * @module
 */
import { CommunicationError } from "../errors.ts";
import { NameServerProxy } from "../naming/locate.ts";
import { defaultTransport } from "../transport/select.ts";
import type { Endpoint, Transport } from "../transport/types.ts";
import { formatAddress } from "../transport/types.ts";
import { BridgeCloseCode } from "../transport/websocket_hello.ts";
import { URI } from "../uri.ts";
import type { Accepted, ServerSocket, SocketHandlers, WebSocketEndpoint } from "./ws_types.ts";
import { Session, type SessionHost } from "./ws_session.ts";

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

  /** What a session may do: the checks and the name server are the bridge's. */
  const host: SessionHost = {
    helloTimeout,
    maxMessageSize,
    key,
    onError: options.onError,
    async lookup(name) {
      if (exposeRegex && !exposeRegex.test(name)) {
        return { code: BridgeCloseCode.FORBIDDEN, reason: `${name} is not exposed` };
      }
      let uri: URI;
      try {
        uri = await withNameServer((p) => p.lookup(name));
      } catch (e) {
        return e instanceof CommunicationError
          ? { code: BridgeCloseCode.UNREACHABLE, reason: "the name server is unreachable" }
          : { code: BridgeCloseCode.UNKNOWN_NAME, reason: `unknown name: ${name}` };
      }
      exposedLocations.add(locationOf(uri));
      return String(uri);
    },
    async connect(location) {
      const endpoint = parseLocation(location);
      if (!endpoint) return { code: BridgeCloseCode.PROTOCOL, reason: "connect needs host:port" };
      const normal = formatAddress(endpoint);
      let exposed: boolean;
      try {
        exposed = await isExposedLocation(normal);
      } catch {
        return { code: BridgeCloseCode.UNREACHABLE, reason: "the name server is unreachable" };
      }
      if (!exposed) return { code: BridgeCloseCode.FORBIDDEN, reason: `${normal} is not exposed` };
      try {
        const daemon = await (await transport()).connect(endpoint, { timeout: connectTimeout });
        daemonConnections++;
        return { daemon, location: normal };
      } catch (e) {
        options.onError?.(e);
        return { code: BridgeCloseCode.UNREACHABLE, reason: `cannot connect to ${normal}` };
      }
    },
    ended(session) {
      sessions.delete(session);
      const n = (clients.get(session.client) ?? 1) - 1;
      if (n > 0) clients.set(session.client, n);
      else clients.delete(session.client);
    },
    daemonClosed() {
      daemonConnections--;
    },
  };

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
          const session = new Session(host, socket, client);
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
