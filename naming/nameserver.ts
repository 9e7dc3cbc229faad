/**
 * The name server: Pyro5's `Pyro.NameServer` object, which Python clients
 * cannot tell from Pyro5's, its daemon, the UDP broadcast responder and the
 * autocleaner. Python: `Pyro5.nameserver`.
 *
 * @module
 */
import { resolveConfig } from "../config.ts";
import { asPythonError, CommunicationError, NamingError } from "../errors.ts";
import { behavior, expose } from "../expose.ts";
import { getLogger } from "../logging.ts";
import { Daemon, type DaemonOptions } from "../server/daemon.ts";
import { eitherSpelling } from "../server/option_names.ts";
import { NAMESERVER_NAME } from "../protocol/constants.ts";
import { stringSet } from "../protocol/values.ts";
import { tuple } from "../serializers/types.ts";
import { defaultTransport } from "../transport/select.ts";
import {
  type DatagramSocket,
  formatAddress,
  hasDatagrams,
  type Transport,
} from "../transport/types.ts";
import { URI } from "../uri.ts";
import { MemoryStorage, type NameStorage, SqlStorage } from "./storage.ts";

const log = getLogger("Pyro5.naming");

function pyTypeError(message: string): Error {
  return asPythonError(new TypeError(message), "builtins.TypeError");
}

function pyValueError(message: string): Error {
  return asPythonError(new RangeError(message), "builtins.ValueError");
}

function tags(value: unknown, what: string): Set<string> | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    throw pyTypeError(`${what} should not be a str, but another iterable (set, list, etc)`);
  }
  const names = stringSet(value);
  if (names) return names;
  throw pyTypeError(`${what} must be an iterable of strings`);
}

/**
 * Maps logical names to URIs, with metadata tags. Every exposed method
 * behaves as Pyro5's does, errors included. Python: `Pyro5.nameserver.NameServer`.
 */
export class NameServer {
  /** Where the registrations live. */
  readonly storage: NameStorage;

  /**
   * Creates a name server object.
   *
   * @param storage the storage (in memory by default)
   */
  constructor(storage: NameStorage = new MemoryStorage()) {
    this.storage = storage;
  }

  /** The number of registrations. */
  count(): number {
    return this.storage.count();
  }

  /** The URI of a name, or `(uri, metadata)` with `return_metadata`. */
  lookup(name: unknown, return_metadata: unknown = false): unknown {
    const r = typeof name === "string" ? this.storage.get(name) : undefined;
    if (!r) throw new NamingError(`unknown name: ${name}`);
    const uri = new URI(r[0]);
    return return_metadata ? tuple(uri, r[1]) : uri;
  }

  /** Registers a name; with `safe`, an existing name is an error. */
  register(name: unknown, uri: unknown, safe: unknown = false, metadata: unknown = null): null {
    if (!(uri instanceof URI) && typeof uri !== "string") {
      throw pyTypeError("only URIs or strings can be registered");
    }
    // A string must parse as a URI (PyroError otherwise, as in Pyro5); it is stored as given.
    if (typeof uri === "string") new URI(uri);
    const text = String(uri);
    if (typeof name !== "string") throw pyTypeError("name must be a str");
    const meta = tags(metadata, "metadata");
    if (safe && this.storage.get(name)) throw new NamingError(`name already registered: ${name}`);
    this.storage.set(name, text, meta);
    log.debug(`registered ${name} --> ${text}`);
    return null;
  }

  /** Replaces the metadata of a registration. */
  set_metadata(name: unknown, metadata: unknown): null {
    if (typeof name !== "string") throw pyTypeError("name must be a str");
    const meta = tags(metadata, "metadata");
    const r = this.storage.get(name);
    if (!r) throw new NamingError(`unknown name: ${name}`);
    this.storage.set(name, r[0], meta);
    return null;
  }

  /** Removes a name, or every name with a prefix or matching a regex; returns how many. */
  remove(name: unknown = null, prefix: unknown = null, regex: unknown = null): number {
    if (name && name !== NAMESERVER_NAME) return this.storage.delete(String(name)) ? 1 : 0;
    if (!prefix && !regex) return 0;
    const names = Object.keys(this.list(prefix || null, prefix ? null : regex)).filter((n) =>
      n !== NAMESERVER_NAME
    );
    for (const n of names) this.storage.delete(n);
    return names.length;
  }

  /** Registrations by name (URI text, or `(uri, metadata)`), filtered by prefix or regex. */
  list(
    prefix: unknown = null,
    regex: unknown = null,
    return_metadata: unknown = false,
  ): Record<string, unknown> {
    if (prefix && regex) throw pyValueError("you can only filter on one thing at a time");
    let match: (name: string) => boolean = () => true;
    if (prefix) match = (n) => n.startsWith(String(prefix));
    else if (regex) {
      let re: RegExp;
      try {
        // Python's re.match anchors at the start only.
        re = new RegExp(`^(?:${regex})`);
      } catch (e) {
        throw new NamingError(`invalid regex: ${(e as Error).message}`);
      }
      match = (n) => re.test(n);
    }
    const result: Record<string, unknown> = {};
    for (const [name, [uri, meta]] of this.storage.entries()) {
      if (match(name)) result[name] = return_metadata ? tuple(uri, meta) : uri;
    }
    return result;
  }

  /** Yellow pages: registrations having all (`meta_all`) or any (`meta_any`) of the tags. */
  yplookup(
    meta_all: unknown = null,
    meta_any: unknown = null,
    return_metadata: unknown = true,
  ): Record<string, unknown> {
    if (meta_all && meta_any) {
      throw pyValueError("you can't use meta_all or meta_any at the same time");
    }
    const all = tags(meta_all, "metadata_all");
    const any = tags(meta_any, "metadata_any");
    const result: Record<string, unknown> = {};
    if (!(all && all.size) && !(any && any.size)) return result;
    for (const [name, [uri, meta]] of this.storage.entries()) {
      const hit = all && all.size
        ? [...all].every((t) => meta.has(t))
        : [...any!].some((t) => meta.has(t));
      if (hit) result[name] = return_metadata ? tuple(uri, meta) : uri;
    }
    return result;
  }

  /** Answers, to show the name server is there. */
  ping(): null {
    return null;
  }
}
// Pyro5's signatures, so that Python callers' keyword arguments and mistakes meet the same rules.
expose(
  NameServer,
  "count()",
  "lookup(name, return_metadata?)",
  "register(name, uri, safe?, metadata?)",
  "set_metadata(name, metadata)",
  "remove(name?, prefix?, regex?)",
  "list(prefix?, regex?, return_metadata?)",
  "yplookup(meta_all?, meta_any?, return_metadata?)",
  "ping()",
);
behavior({ instanceMode: "single" })(NameServer);

/** Options of {@linkcode startNS}. */
export interface NameServerOptions extends DaemonOptions {
  /** `memory` (default) or `sql:FILE`. */
  storage?: string;
  /** Answer UDP broadcast lookups (default: yes, except for a name server bound to loopback, as in Pyro5). */
  enableBroadcast?: boolean;
  /** Host of the broadcast responder (default `config.NS_BCHOST`). Python: `bchost`. */
  bcHost?: string;
  /** Port of the broadcast responder (default `config.NS_BCPORT`). Python: `bcport`. */
  bcPort?: number;
  /** Pyro5's spelling of `bcHost`, accepted too. */
  bchost?: string;
  /** Pyro5's spelling of `bcPort`, accepted too. */
  bcport?: number;
  /**
   * Autoclean timing, overriding `NS_AUTOCLEAN` (seconds between checks) and the
   * grace period (default {@linkcode AUTOCLEAN_GRACE} seconds unreachable before removal).
   */
  autoclean?: { interval: number; grace?: number };
}

/** A running name server. */
export interface RunningNameServer {
  /** The name server's URI. */
  uri: URI;
  /** The daemon serving it. */
  daemon: Daemon;
  /** The name server object. */
  nameserver: NameServer;
  /** The broadcast responder, or null. */
  broadcast: BroadcastResponder | null;
  /** Stops everything. */
  close(): Promise<void>;
  /** Stops everything (`await using ns = await startNS()`). */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Answers `GET_NSURI` datagrams with the name server's URI.
 * Python: `Pyro5.nameserver.BroadcastServer`.
 */
export class BroadcastResponder {
  readonly #socket: DatagramSocket;
  readonly #uri: URI;
  #running = true;

  /**
   * Starts answering on a bound socket.
   *
   * @param socket the UDP socket (bound to the broadcast port)
   * @param uri the name server's URI
   */
  constructor(socket: DatagramSocket, uri: URI) {
    this.#socket = socket;
    this.#uri = uri;
    this.#loop().catch((e) => log.error(`broadcast responder ended: ${e}`));
  }

  /** Where the responder listens. */
  get address(): { hostname: string; port: number } {
    return this.#socket.address;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      let d;
      try {
        d = await this.#socket.receive();
      } catch (e) {
        // A failed receive never ends the responder; a socket that keeps failing is retried slowly.
        if (!this.#running) break;
        if (failures++ === 0) log.warning(`broadcast responder: receive failed: ${e}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      failures = 0;
      if (d === null || !this.#running) break;
      try {
        if (new TextDecoder().decode(d.data) !== "GET_NSURI") continue;
        const reply = new URI(this.#uri);
        // An "any address" URI is no use to the asker: answer, as Pyro5 does, with this
        // machine's address on the interface that reaches the asker.
        if (reply.host === "0.0.0.0" || reply.host === "::") {
          reply.host = await this.#socket.localAddressToward?.(d.hostname, d.port) ??
            reply.host;
        }
        log.debug(`answering broadcast from ${d.hostname}:${d.port}`);
        const bytes = new TextEncoder().encode(String(reply));
        // Bun reports an earlier answer's ICMP "port unreachable" (an asker gone) on the next
        // send, which then did not go out: send that one again.
        await this.#socket.send(bytes, d.hostname, d.port).catch(() =>
          this.#socket.send(bytes, d.hostname, d.port)
        );
      } catch (e) {
        log.debug(`broadcast responder: cannot answer ${d.hostname}:${d.port}: ${e}`);
      }
    }
  }

  /** Stops answering. */
  async close(): Promise<void> {
    this.#running = false;
    await this.#socket.close();
  }
}

/**
 * Starts a name server: a daemon with `Pyro.NameServer` registered (and
 * registered in itself, as Pyro5 does), a broadcast responder, and the
 * autocleaner when `NS_AUTOCLEAN` is set. Python: `Pyro5.nameserver.start_ns`.
 *
 * @param options daemon options plus storage and broadcast settings
 * @returns the running name server
 * @example
 * ```ts
 * import { startNS } from "@pyro5/pyro5";
 * const ns = await startNS({ host: "127.0.0.1", port: 0, enableBroadcast: false });
 * console.log(String(ns.uri));
 * await ns.close();
 * ```
 */
export async function startNS(options: NameServerOptions = {}): Promise<RunningNameServer> {
  const cfg = resolveConfig(options.config);
  if (cfg.NS_AUTOCLEAN > 0 && cfg.NS_AUTOCLEAN < 3) {
    throw pyValueError("NS_AUTOCLEAN cannot be smaller than 3");
  }
  const storageSpec = options.storage ?? "memory";
  let storage: NameStorage;
  if (storageSpec === "memory") {
    storage = new MemoryStorage();
    log.debug("using volatile in-memory dict storage");
  } else if (storageSpec.startsWith("sql:") && storageSpec.length > 4) {
    storage = await SqlStorage.open(storageSpec.slice(4));
    log.debug(`using persistent sql storage in file ${storageSpec.slice(4)}`);
  } else throw new RangeError(`invalid storage type '${storageSpec}': use memory or sql:FILE`);
  let nsDaemon: Daemon;
  try {
    nsDaemon = await Daemon.create({ ...options, port: options.port ?? cfg.NS_PORT });
  } catch (e) {
    storage.close();
    throw e;
  }
  const nameserver = new NameServer(storage);
  const uri = nsDaemon.register(nameserver, NAMESERVER_NAME);
  // Registered in itself, as Pyro5's name server does (replacing an entry from an earlier run).
  nameserver.register(
    NAMESERVER_NAME,
    String(uri),
    false,
    new Set(["class:Pyro5.nameserver.NameServer"]),
  );
  let broadcast: BroadcastResponder | null = null;
  const host = options.host ?? cfg.HOST;
  const loopback = host === "localhost" || host.startsWith("127.") || host === "::1" ||
    !!(options.unixSocket ?? options.unixsocket);
  // As in Pyro5, a name server bound to loopback only answers no broadcasts unless asked to.
  const transport = options.transport ?? await defaultTransport();
  const wantBroadcast = options.enableBroadcast ?? !loopback;
  if (wantBroadcast && !hasDatagrams(transport)) {
    if (options.enableBroadcast) {
      throw new CommunicationError(
        `cannot start the NS broadcast server: the ${transport.name} transport has no datagrams`,
      );
    }
    log.info(`Not starting NS broadcast server: the ${transport.name} transport has no datagrams`);
  } else if (wantBroadcast && hasDatagrams(transport)) {
    const bcHost = eitherSpelling(options.bcHost, options.bchost, ["bcHost", "bchost"]) ??
      cfg.NS_BCHOST ?? (host.includes(":") ? "::" : "0.0.0.0");
    const socket = await transport.bindDatagram({
      hostname: bcHost,
      port: eitherSpelling(options.bcPort, options.bcport, ["bcPort", "bcport"]) ?? cfg.NS_BCPORT,
    });
    broadcast = new BroadcastResponder(socket, nsDaemon.uriFor(nameserver, { nat: false }));
    log.info(
      `ns broadcast server created on ${formatAddress(socket.address)}`,
    );
  } else if (loopback) {
    log.info("Not starting NS broadcast server because NS is bound to localhost");
  }
  const interval = options.autoclean?.interval ?? cfg.NS_AUTOCLEAN;
  const grace = options.autoclean?.grace ?? AUTOCLEAN_GRACE;
  const cleaner = interval > 0 ? autoclean(nameserver, interval, grace, options.transport) : null;
  log.debug(interval > 0 ? "autoclean enabled" : "autoclean not enabled");
  log.info("nameserver daemon created");
  const close = async () => {
    cleaner?.stop();
    await broadcast?.close();
    await nsDaemon.close();
    storage.close();
  };
  return { uri, daemon: nsDaemon, nameserver, broadcast, close, [Symbol.asyncDispose]: close };
}

/** The seconds a registration may be unreachable before the autocleaner removes it. */
export const AUTOCLEAN_GRACE = 20;

/**
 * Removes registrations whose daemon cannot be reached for `grace` seconds,
 * checking every `interval` seconds.
 */
function autoclean(
  nameserver: NameServer,
  interval: number,
  grace: number,
  transport?: Transport,
): { stop(): void } {
  const unreachable = new Map<string, number>();
  let stopped = false;
  const check = async () => {
    const t = transport ?? await defaultTransport();
    for (const [name, uri] of Object.entries(nameserver.list() as Record<string, string>)) {
      if (stopped || name === NAMESERVER_NAME) continue;
      try {
        const u = new URI(uri);
        const c = await t.connect(
          u.sockname ? { path: u.sockname } : { hostname: u.host!, port: u.port! },
          { timeout: 5 },
        );
        await c.close();
        unreachable.delete(name);
      } catch {
        const since = unreachable.get(name) ?? Date.now();
        unreachable.set(name, since);
        if (Date.now() - since >= grace * 1000) {
          log.info(`autoclean: unregistering ${name}; cannot connect uri ${uri}`);
          nameserver.remove(name);
          unreachable.delete(name);
        }
      }
    }
  };
  const timer = setInterval(
    () => void check().catch((e) => log.warning(`autoclean pass failed: ${e}`)),
    interval * 1000,
  );
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
