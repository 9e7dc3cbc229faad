/**
 * Finding a name server and asking it: `locateNS`, `resolve` and the typed
 * name server proxy. Python: `Pyro5.core.locate_ns`, `Pyro5.core.resolve`.
 *
 * @module
 */
import { type ConfigItems, resolveConfig } from "../config.ts";
import { NamingError } from "../errors.ts";
import { getLogger } from "../logging.ts";
import { ProxyCore } from "../client/proxy.ts";
import { NAMESERVER_NAME } from "../protocol/constants.ts";
import { stringSet } from "../protocol/values.ts";
import { tuple } from "../serializers/types.ts";
import { defaultTransport } from "../transport/select.ts";
import {
  canResolveNames,
  type DatagramTransport,
  hasDatagrams,
  type Transport,
} from "../transport/types.ts";
import { URI } from "../uri.ts";

const log = getLogger("Pyro5.naming");
const coreLog = getLogger("Pyro5.core");

/** Options of {@linkcode locateNS} and {@linkcode resolve}. */
export interface LocateOptions {
  /** Try UDP broadcast discovery when no host is given (default true). */
  broadcast?: boolean;
  /** Config items for this lookup only (NS_HOST, NS_PORT, NS_BCPORT, BROADCAST_ADDRS, ...). */
  config?: Partial<ConfigItems>;
  /**
   * The transport for connections, and for broadcast discovery when it has datagrams (a
   * connect-only transport skips the broadcast); the runtime's own by default.
   */
  transport?: Transport;
}

function toMetadata(value: unknown): Set<string> {
  return stringSet(value) ?? new Set();
}

function toUri(value: unknown): URI {
  return value instanceof URI ? value : new URI(String(value));
}

function entries(result: unknown): Array<[string, unknown]> {
  return result instanceof Map
    ? [...result].map(([k, v]) => [String(k), v])
    : Object.entries(result as Record<string, unknown>);
}

/**
 * A name server proxy with Pyro5's methods under camelCase names, mapped 1:1
 * onto the wire calls.
 *
 * @example
 * ```ts
 * import { locateNS, startNS } from "@pyro5/pyro5";
 * await using server = await startNS({ host: "127.0.0.1", port: 0 });
 * await using ns = await locateNS("127.0.0.1", server.uri.port!);
 * await ns.register("example.greeting", "PYRO:greeting@localhost:9999", { metadata: ["tag:a"] });
 * console.log(String(await ns.lookup("example.greeting"))); // PYRO:greeting@localhost:9999
 * ```
 */
export class NameServerProxy {
  /** The underlying proxy. */
  readonly proxy: ProxyCore;

  /**
   * Wraps a proxy for a name server.
   *
   * @param uri the name server's URI, or a proxy for it
   * @param options proxy options
   */
  constructor(
    uri: string | URI | ProxyCore,
    options: { config?: Partial<ConfigItems>; transport?: Transport } = {},
  ) {
    this.proxy = uri instanceof ProxyCore ? uri : new ProxyCore(uri, options, resolveFor);
  }

  /** The name server's URI. */
  get uri(): URI {
    return this.proxy._pyroUri;
  }

  #call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.proxy._pyroInvoke(method, tuple(...args), {});
  }

  /** The URI registered under `name`. Python: `lookup(name)`. */
  lookup(name: string): Promise<URI>;
  /** The URI and metadata registered under `name`. Python: `lookup(name, return_metadata=True)`. */
  lookup(name: string, options: { returnMetadata: true }): Promise<[URI, Set<string>]>;
  /** Looks a name up. */
  async lookup(
    name: string,
    options: { returnMetadata?: boolean } = {},
  ): Promise<URI | [URI, Set<string>]> {
    const result = await this.#call("lookup", name, options.returnMetadata ?? false);
    if (options.returnMetadata) {
      const [uri, meta] = result as [unknown, unknown];
      return [toUri(uri), toMetadata(meta)];
    }
    return toUri(result);
  }

  /** Registers a name. Python: `register(name, uri, safe=False, metadata=None)`. */
  async register(
    name: string,
    uri: string | URI,
    options: { safe?: boolean; metadata?: Iterable<string> } = {},
  ): Promise<void> {
    const metadata = options.metadata === undefined ? null : new Set(options.metadata);
    await this.#call("register", name, String(uri), options.safe ?? false, metadata);
  }

  /** Removes a name, or names by prefix or regex; returns how many. Python: `remove(name, prefix, regex)`. */
  async remove(
    name: string | null = null,
    options: { prefix?: string; regex?: string } = {},
  ): Promise<number> {
    return Number(await this.#call("remove", name, options.prefix ?? null, options.regex ?? null));
  }

  /** Registrations by name, filtered by prefix or regex. Python: `list(prefix, regex, return_metadata)`. */
  async list(
    options: { prefix?: string; regex?: string; returnMetadata?: boolean } = {},
  ): Promise<Map<string, URI | [URI, Set<string>]>> {
    const result = await this.#call(
      "list",
      options.prefix ?? null,
      options.regex ?? null,
      options.returnMetadata ?? false,
    );
    return new Map(
      entries(result).map(([k, v]) => [
        k,
        options.returnMetadata
          ? [toUri((v as unknown[])[0]), toMetadata((v as unknown[])[1])]
          : toUri(v),
      ]),
    );
  }

  /**
   * Yellow pages: registrations with all (`metaAll`) or any (`metaAny`) of the tags.
   * Python: `yplookup(meta_all, meta_any, return_metadata)`.
   */
  async yplookup(
    options: { metaAll?: Iterable<string>; metaAny?: Iterable<string>; returnMetadata?: boolean } =
      {},
  ): Promise<Map<string, URI | [URI, Set<string>]>> {
    const returnMetadata = options.returnMetadata ?? true;
    const result = await this.#call(
      "yplookup",
      options.metaAll ? new Set(options.metaAll) : null,
      options.metaAny ? new Set(options.metaAny) : null,
      returnMetadata,
    );
    return new Map(
      entries(result).map((
        [k, v],
      ) => [
        k,
        returnMetadata ? [toUri((v as unknown[])[0]), toMetadata((v as unknown[])[1])] : toUri(v),
      ]),
    );
  }

  /** Replaces the metadata of a registration. Python: `set_metadata(name, metadata)`. */
  async setMetadata(name: string, metadata: Iterable<string>): Promise<void> {
    await this.#call("set_metadata", name, new Set(metadata));
  }

  /** The number of registrations. */
  async count(): Promise<number> {
    return Number(await this.#call("count"));
  }

  /** Checks that the name server answers. */
  async ping(): Promise<void> {
    await this.#call("ping");
  }

  /** Closes the connection. */
  async _pyroRelease(): Promise<void> {
    await this.proxy._pyroRelease();
  }

  /** Closes the connection (`await using ns = await locateNS()`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.proxy._pyroRelease();
  }
}

async function pinged(uri: string, options: LocateOptions): Promise<NameServerProxy> {
  const ns = new NameServerProxy(uri, { config: options.config, transport: options.transport });
  try {
    coreLog.debug(`locating the NS: ${uri}`);
    await ns.ping();
    coreLog.debug(`located NS: ${uri}`);
    return ns;
  } catch (e) {
    await ns._pyroRelease();
    throw e;
  }
}

function location(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The transport to broadcast with: the given one when it has datagrams, else the runtime's. */
async function datagramTransport(given: Transport | undefined): Promise<DatagramTransport> {
  if (!given) return await defaultTransport();
  if (hasDatagrams(given)) return given;
  throw new NamingError(`broadcast unavailable: the ${given.name} transport has no datagrams`);
}

/** Asks for the name server's URI by UDP broadcast (`GET_NSURI`); stops when `signal` aborts. */
async function broadcastLookup(
  cfg: ConfigItems,
  options: LocateOptions,
  signal: AbortSignal,
): Promise<string> {
  const transport = await datagramTransport(options.transport);
  const v6 = cfg.PREFER_IP_VERSION === 6;
  let socket;
  try {
    socket = await transport.bindDatagram({ hostname: v6 ? "::" : "0.0.0.0", port: 0 });
  } catch (e) {
    // Deno with --allow-net=localhost (or no --allow-net) may not bind: broadcast is unavailable.
    const reason = permissionProblem(e) ?? (e as Error)?.message ?? String(e);
    log.debug(`broadcast lookup unavailable: ${reason}`);
    throw new NamingError(`broadcast unavailable: ${reason}`, { cause: e });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const onAbort = () => {
    clearTimeout(timer);
    wake?.();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    socket.setBroadcast(true);
    coreLog.debug("broadcast locate");
    const request = new TextEncoder().encode("GET_NSURI");
    for (let attempt = 0; attempt < 3 && !signal.aborted; attempt++) {
      for (const addr of cfg.BROADCAST_ADDRS) {
        const target = addr === "<broadcast>" ? (v6 ? "ff02::1" : "255.255.255.255") : addr;
        await socket.send(request, target, cfg.NS_BCPORT).catch((e) =>
          log.debug(`broadcast to ${target}: ${e}`)
        );
      }
      const reply = await Promise.race([
        socket.receive(),
        new Promise<null>((r) => {
          wake = () => r(null);
          if (signal.aborted) r(null);
          else timer = setTimeout(wake, 700);
        }),
      ]);
      clearTimeout(timer);
      if (reply) return new TextDecoder("latin1").decode(reply.data);
    }
    throw new NamingError(
      signal.aborted ? "broadcast lookup stopped" : "no name server answered the broadcast",
    );
  } finally {
    signal.removeEventListener("abort", onAbort);
    await socket.close();
  }
}

/**
 * The permission a runtime refused, when `e` is such a refusal (Deno's `NotCapable`, or
 * `PermissionDenied` of older Deno versions), phrased as what to grant.
 */
function permissionProblem(e: unknown): string | null {
  const name = (e as Error)?.name;
  if (name !== "NotCapable" && name !== "PermissionDenied") return null;
  return `no permission (${(e as Error).message})`;
}

/**
 * Finds a name server and returns a proxy for it. With a host: that name
 * server (`./u:path` for a Unix socket). Without: Pyro5's ways, side by side,
 * the first good answer winning: a loopback `NS_HOST` directly, UDP broadcast
 * `GET_NSURI` to `BROADCAST_ADDRS` on `NS_BCPORT`, then `NS_HOST:NS_PORT`.
 * Python: `Pyro5.api.locate_ns`.
 *
 * @param host the name server's host, or none to search
 * @param port its port (default `NS_PORT`)
 * @param options broadcast on or off, config overrides, transport
 * @returns a proxy for the name server
 * @throws {NamingError} naming the places tried, when no name server answers
 * @example
 * ```ts
 * import { locateNS, startNS } from "@pyro5/pyro5";
 * await using server = await startNS({ host: "127.0.0.1", port: 0 });
 * await using ns = await locateNS("127.0.0.1", server.uri.port!);
 * console.log(await ns.count()); // 1: the name server itself
 * ```
 */
export async function locateNS(
  host?: string | null,
  port?: number | null,
  options: LocateOptions = {},
): Promise<NameServerProxy> {
  const cfg = resolveConfig(options.config);
  const nsPort = port ?? cfg.NS_PORT;
  if (host) {
    const where = host.startsWith("./u:") ? host : location(host, nsPort);
    try {
      return await pinged(`PYRO:${NAMESERVER_NAME}@${where}`, options);
    } catch (e) {
      throw new NamingError(
        `Failed to locate the nameserver at ${where}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  const tried: string[] = [];
  const attempts: Array<Promise<NameServerProxy>> = [];
  // Stops the broadcast once a way has succeeded (or all failed): no leftovers keep a script alive.
  const stop = new AbortController();
  const nsHost = cfg.NS_HOST;
  const direct = location(nsHost, nsPort);
  const loopback = nsHost === "localhost" || nsHost === "::1" || nsHost.startsWith("127.");
  if (loopback) {
    tried.push(direct);
    attempts.push(pinged(`PYRO:${NAMESERVER_NAME}@${direct}`, options));
  }
  if (options.broadcast ?? true) {
    tried.push(`broadcast ${cfg.BROADCAST_ADDRS.join(",")} port ${cfg.NS_BCPORT}`);
    attempts.push(broadcastLookup(cfg, options, stop.signal).then((uri) => pinged(uri, options)));
  }
  if (!loopback) {
    tried.push(direct);
    attempts.push(pinged(`PYRO:${NAMESERVER_NAME}@${direct}`, options));
  }
  try {
    const winner = await Promise.any(attempts);
    stop.abort();
    // Release the proxies of slower successful attempts.
    for (const a of attempts) {
      a.then((ns) => {
        if (ns !== winner) void ns._pyroRelease();
      }, () => {});
    }
    return winner;
  } catch (e) {
    stop.abort();
    const reasons = e instanceof AggregateError
      ? e.errors.map((x) => (x as Error)?.message ?? String(x))
      : [(e as Error)?.message ?? String(e)];
    throw new NamingError(
      `Failed to locate the nameserver (tried: ${tried.join("; ")}; ${reasons.join("; ")})`,
      { cause: e },
    );
  }
}

/**
 * The PYRO URI for a URI: itself for PYRO, a name server lookup for PYRONAME
 * (retried for up to `NS_LOOKUP_DELAY` seconds), a random match of the tags
 * for PYROMETA. Python: `Pyro5.api.resolve`.
 *
 * @param uri the URI to resolve
 * @param options config overrides, transport
 * @returns the PYRO URI
 * @example
 * ```ts
 * import { resolve, startNS } from "@pyro5/pyro5";
 * await using server = await startNS({ host: "127.0.0.1", port: 0 });
 * server.nameserver.register("example.greeting", "PYRO:greeting@localhost:9999");
 * const where = `PYRONAME:example.greeting@127.0.0.1:${server.uri.port}`;
 * console.log(String(await resolve(where))); // PYRO:greeting@localhost:9999
 * ```
 */
export async function resolve(uri: string | URI, options: LocateOptions = {}): Promise<URI> {
  const u = uri instanceof URI ? uri : new URI(uri);
  if (u.protocol === "PYRO") return u;
  coreLog.debug(`resolving ${u}`);
  const cfg = resolveConfig(options.config);
  const ns = u.sockname
    ? await locateNS(`./u:${u.sockname}`, null, options)
    : await locateNS(u.host, u.port, options);
  try {
    if (u.protocol === "PYRONAME") {
      const deadline = Date.now() + cfg.NS_LOOKUP_DELAY * 1000;
      for (;;) {
        try {
          return await ns.lookup(u.object);
        } catch (e) {
          if (!(e instanceof NamingError) || Date.now() >= deadline) throw e;
          await new Promise((r) =>
            setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now())))
          );
        }
      }
    }
    const found = [
      ...(await ns.yplookup({ metaAll: u.metadata, returnMetadata: false })).values(),
    ] as URI[];
    if (found.length === 0) {
      throw new NamingError(
        `no registrations available with desired metadata properties ${[...u.metadata]}`,
      );
    }
    return found[Math.floor(Math.random() * found.length)];
  } finally {
    await ns._pyroRelease();
  }
}

/**
 * {@linkcode resolve} as a proxy's name resolver: what makes `PYRONAME:` and `PYROMETA:` proxies
 * work, passed in where the public `Proxy` is built.
 *
 * @param uri the proxy's URI
 * @param config the proxy's configuration
 * @param transport the proxy's transport, if it has its own
 * @returns the PYRO URI
 */
export async function resolveFor(
  uri: URI,
  config: ConfigItems,
  transport?: Transport,
): Promise<URI> {
  // A transport that reaches daemons only through a bridge (a page's WebSocket) asks the
  // bridge's name server: it cannot reach one of its own.
  if (uri.protocol === "PYRONAME" && transport && canResolveNames(transport)) {
    return new URI(await transport.resolveName(uri.object));
  }
  return await resolve(uri, { config, transport });
}
