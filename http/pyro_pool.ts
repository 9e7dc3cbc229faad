/**
 * Pooled Pyro connections for the HTTP gateway: a few connections per daemon location, each
 * used by one request at a time (a Python daemon serves the requests of one connection one
 * after the other, so two requests sharing a connection would wait for each other), kept open
 * between requests, and replaced when they fail. Replies are returned as received, so that
 * the gateway can answer with the daemon's own JSON payload.
 *
 * @module
 */
import {
  asCommunicationError,
  CommunicationError,
  ConnectionClosedError,
  TimeoutError,
} from "../errors.ts";
import { Channel } from "../client/channel.ts";
import type { Transport } from "../transport/types.ts";
import { Flags, MsgType } from "../protocol/constants.ts";
import type { Message } from "../protocol/message.ts";
import { uuidToBytes } from "../protocol/correlation.ts";
import { awaitConnectReply, connectMessage, readConnectReply } from "../protocol/handshake.ts";
import { getSerializer } from "../serializers/mod.ts";

const json = getSerializer("json");

/**
 * Idle connections kept per location. Fewer than the requests in flight makes the pool churn:
 * with 8 and 16 HTTP clients, connections were closed on release and reopened at the next
 * request (a TCP connect, a handshake and, on a Python thread server, a new worker thread), and
 * the gateway spent 614-686 CPU µs per request against 427-442 with enough kept, the Python
 * daemon 277-305 against 158-164 (Node gateway, 16 clients, 2026-12-03). Not many more: each
 * idle connection to a Python thread server holds one of its workers (80 by default).
 */
export const DEFAULT_MAX_IDLE = 16;

/** The metadata of an object: `Pyro.Daemon.get_metadata`'s answer. */
export interface ObjectMeta {
  /** Exposed method names, in the daemon's order. */
  methods: string[];
  /** Exposed attribute names. */
  attrs: string[];
  /** Oneway method names. */
  oneway: string[];
}

/** Options of a {@linkcode PyroPool}. */
export interface PyroPoolOptions {
  /** Opens the connections. */
  transport: Transport;
  /** Seconds to wait for a connection and for each reply; null or 0 for no limit. */
  timeout?: number | null;
  /** Idle connections kept per location (default {@linkcode DEFAULT_MAX_IDLE}). */
  maxIdle?: number;
  /** The largest message sent or received (default 1 GiB, Pyro's `MAX_MESSAGE_SIZE`). */
  maxMessageSize?: number;
}

/** One call to send. */
export interface PyroCall {
  /** The object id on the daemon. */
  object: string;
  /** The method (or `__getattr__`, `get_metadata`, ...). */
  method: string;
  /** Positional arguments. */
  args?: unknown[];
  /** Keyword arguments. */
  kwargs?: Record<string, unknown>;
  /** Send without waiting for a reply. */
  oneway?: boolean;
  /** The correlation id: UUID text, or its 16 bytes (parsed once for all calls of a request). */
  correlationId?: string | Uint8Array | null;
}

/** One open connection to a daemon. */
class Link {
  readonly channel: Channel;
  seq = 0;
  constructor(channel: Channel) {
    this.channel = channel;
  }
}

/** Where a PYRO URI's daemon is: `host:port` or a Unix socket path. */
export type Location = { hostname: string; port: number } | { path: string };

function locationKey(location: Location): string {
  return "path" in location ? `./u:${location.path}` : `${location.hostname}:${location.port}`;
}

function toMeta(value: unknown): ObjectMeta {
  const m = (value instanceof Map ? Object.fromEntries(value) : value) as Record<string, unknown>;
  const names = (v: unknown) => (Array.isArray(v) || v instanceof Set ? [...v].map(String) : []);
  return { methods: names(m?.methods), attrs: names(m?.attrs), oneway: names(m?.oneway) };
}

/**
 * Connections to daemons, pooled by location.
 *
 * @example
 * ```ts
 * import { PyroPool } from "./pyro_pool.ts";
 * import { defaultTransport } from "../transport/select.ts";
 * import { Daemon, expose } from "../server.ts";
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * const uri = daemon.register(expose({ ping: () => "pong" }));
 * const pool = new PyroPool({ transport: await defaultTransport() });
 * const where = { hostname: uri.host!, port: uri.port! };
 * const reply = await pool.call(where, { object: uri.object, method: "ping" });
 * console.log(reply?.type); // 5: a RESULT message
 * await pool.close();
 * ```
 */
export class PyroPool {
  readonly #options: PyroPoolOptions;
  readonly #idle = new Map<string, Link[]>();
  readonly #busy = new Set<Link>();
  #closed = false;

  /**
   * Creates a pool.
   * @param options transport, timeout, how many idle connections to keep
   */
  constructor(options: PyroPoolOptions) {
    this.#options = options;
  }

  get #timeout(): number | undefined {
    return this.#options.timeout ? this.#options.timeout : undefined;
  }

  /**
   * Runs `session` with a pooled connection to `location` (a new one when none is idle): it
   * sends calls with the function it is given and gets each reply as received. A reused
   * connection that turns out to be closed at the first call is replaced once; a connection
   * that fails is dropped.
   *
   * @param location the daemon's location
   * @param object the object id named in the handshake of a new connection
   * @param session what to do with the connection
   * @returns what `session` returns
   */
  async use<T>(
    location: Location,
    object: string,
    session: (send: (call: PyroCall) => Promise<Message | null>) => Promise<T>,
  ): Promise<T> {
    const key = locationKey(location);
    for (let attempt = 0;; attempt++) {
      // An idle connection without an await: the common case under load.
      const idle = this.#takeIdle(key);
      const reused = idle !== null;
      const link = idle ?? await this.#connectBusy(location, object);
      let sent = 0;
      try {
        const result = await session((call) => {
          sent++;
          return this.#send(link, call);
        });
        this.#release(key, link);
        return result;
      } catch (e) {
        if (!(e instanceof CommunicationError)) {
          this.#release(key, link);
          throw e;
        }
        this.#busy.delete(link);
        await link.channel.close().catch(() => {});
        if (reused && attempt === 0 && sent === 1 && e instanceof ConnectionClosedError) continue;
        throw e;
      }
    }
  }

  /**
   * Sends one call over a pooled connection; see {@linkcode PyroPool.use}.
   *
   * @param location the daemon's location
   * @param call what to call
   * @returns the reply message, or null for a oneway call
   */
  call(location: Location, call: PyroCall): Promise<Message | null> {
    return this.use(location, call.object, (send) => send(call));
  }

  /**
   * The metadata of an object, from its daemon.
   *
   * @param location the daemon's location
   * @param object the object id
   * @param correlationId sent along with the request
   * @returns methods, attributes and oneway methods
   */
  async metadata(
    location: Location,
    object: string,
    correlationId?: string | Uint8Array,
  ): Promise<ObjectMeta> {
    return await this.use(location, object, (send) => readMetadata(send, object, correlationId));
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const links = [...this.#busy, ...[...this.#idle.values()].flat()];
    this.#idle.clear();
    this.#busy.clear();
    await Promise.all(links.map((l) => l.channel.close().catch(() => {})));
  }

  /** An open idle connection to `key`, now busy, or null. */
  #takeIdle(key: string): Link | null {
    if (this.#closed) throw new ConnectionClosedError("the gateway's connection pool is closed");
    const idle = this.#idle.get(key);
    while (idle && idle.length > 0) {
      const link = idle.pop()!;
      if (link.channel.closed) continue;
      this.#busy.add(link);
      return link;
    }
    return null;
  }

  async #connectBusy(location: Location, object: string): Promise<Link> {
    const link = await this.#connect(location, object);
    this.#busy.add(link);
    return link;
  }

  #release(key: string, link: Link): void {
    this.#busy.delete(link);
    if (this.#closed || link.channel.closed) return;
    let idle = this.#idle.get(key);
    if (!idle) this.#idle.set(key, idle = []);
    if (idle.length < (this.#options.maxIdle ?? DEFAULT_MAX_IDLE)) idle.push(link);
    else void link.channel.close();
  }

  async #connect(location: Location, object: string): Promise<Link> {
    const where = locationKey(location);
    const maxMessageSize = this.#options.maxMessageSize ?? 1073741824;
    const timeout = this.#timeout;
    let connection;
    try {
      connection = await this.#options.transport.connect(location, { timeout });
    } catch (e) {
      throw asCommunicationError(e, `cannot connect to ${where}`);
    }
    const channel = new Channel(connection, { maxMessageSize });
    try {
      await channel.send(
        connectMessage({ handshake: "hello", object }, { serializer: json, seq: 0 }),
      );
      readConnectReply(await awaitConnectReply(channel.readOne(), timeout, where), where);
    } catch (e) {
      await channel.close().catch(() => {});
      throw e;
    }
    channel.start();
    return new Link(channel);
  }

  async #send(link: Link, call: PyroCall): Promise<Message | null> {
    link.seq = (link.seq + 1) & 0xffff;
    const message = {
      type: MsgType.INVOKE,
      serializerId: json.id,
      flags: call.oneway ? Flags.ONEWAY : 0,
      seq: link.seq,
      payload: json.dumpsCall(call.object, call.method, call.args ?? [], call.kwargs ?? {}),
      correlationId: typeof call.correlationId === "string"
        ? uuidToBytes(call.correlationId)
        : call.correlationId ?? null,
    };
    if (call.oneway) {
      await link.channel.send(message);
      return null;
    }
    const timeout = this.#timeout;
    if (!timeout) return await link.channel.request(link.seq, message);
    // One timer that fails the request itself, rather than a race with a second promise.
    const seq = link.seq;
    const timer = setTimeout(() => {
      link.channel.abandon(
        seq,
        new TimeoutError(
          `receiving: timeout (${timeout}s) waiting for the reply to ${call.method}`,
        ),
      );
    }, timeout * 1000);
    try {
      return await link.channel.request(seq, message);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Asks the daemon for an object's metadata over a connection of {@linkcode PyroPool.use}.
 *
 * @param send the session's send function
 * @param object the object id
 * @param correlationId sent along
 * @returns methods, attributes and oneway methods; throws the remote error
 */
export async function readMetadata(
  send: (call: PyroCall) => Promise<Message | null>,
  object: string,
  correlationId?: string | Uint8Array | null,
): Promise<ObjectMeta> {
  const reply = await send({
    object: "Pyro.Daemon",
    method: "get_metadata",
    args: [object],
    correlationId,
  });
  const value = json.loads(reply!.payload);
  if (reply!.flags & Flags.EXCEPTION) throw value;
  return toMeta(value);
}
