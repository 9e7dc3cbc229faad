/**
 * Pyro5's configuration items under their Pyro5 names and defaults,
 * overridden by `PYRO_*` environment variables parsed the way Pyro5 parses
 * them, and overridable per `Proxy`/`Daemon` through their options.
 * Python: `Pyro5.config`.
 *
 * @example
 * ```ts
 * import { config, resolveConfig } from "@pyro5/pyro5";
 * console.log(config.SERIALIZER);                        // "serpent" unless PYRO_SERIALIZER says otherwise
 * const mine = resolveConfig({ SERIALIZER: "msgpack" }); // a copy for one object
 * ```
 *
 * @module
 */
import { SERIALIZER_NAMES } from "./serializers/formats.ts";
import { DEFAULT_MAX_DEPTH } from "./serializers/types.ts";

/** Every Pyro5 configuration item with its type. */
export interface ConfigItems {
  /** Host a daemon binds to. */
  HOST: string;
  /** Name server host. */
  NS_HOST: string;
  /** Name server port. */
  NS_PORT: number;
  /** Name server broadcast (UDP) port. */
  NS_BCPORT: number;
  /** Host the broadcast responder binds to; null for all interfaces. */
  NS_BCHOST: string | null;
  /** Seconds after which unreachable name server registrations are removed; 0 is off. */
  NS_AUTOCLEAN: number;
  /** Seconds a name server lookup keeps retrying an unknown name. */
  NS_LOOKUP_DELAY: number;
  /** Host written into URIs handed out, behind NAT; null to use the bound host. */
  NATHOST: string | null;
  /** Port written into URIs handed out, behind NAT; 0 for the bound port. */
  NATPORT: number;
  /** Compress payloads over 100 bytes with zlib. */
  COMPRESSION: boolean;
  /** Python's server type (`thread` or `multiplex`); kept for compatibility, our daemon has one kind. */
  SERVERTYPE: string;
  /** Socket timeout in seconds; 0 is none. */
  COMMTIMEOUT: number;
  /** Seconds between housekeeping passes of a daemon. */
  POLLTIMEOUT: number;
  /** How often a proxy retries a call after a lost connection. */
  MAX_RETRIES: number;
  /** SO_REUSEADDR on server sockets. */
  SOCK_REUSE: boolean;
  /** TCP_NODELAY on sockets. */
  SOCK_NODELAY: boolean;
  /** Send detailed tracebacks with remote errors. */
  DETAILED_TRACEBACK: boolean;
  /** Python's thread pool size; kept for compatibility. */
  THREADPOOL_SIZE: number;
  /** Python's minimum thread pool size; kept for compatibility. */
  THREADPOOL_SIZE_MIN: number;
  /** The most annotation plus payload bytes in one message. */
  MAX_MESSAGE_SIZE: number;
  /** Not in Pyro5: the most bytes a received compressed payload may inflate to (64 MiB). */
  MAX_INFLATED_SIZE: number;
  /**
   * Not in Pyro5: seconds a daemon waits for a new connection's handshake before closing it
   * (5); 0 waits forever, as Pyro5 does.
   */
  HANDSHAKE_TIMEOUT: number;
  /** Not in Pyro5: the most connections a daemon serves at once; 0 is no limit (the default). */
  MAX_CONNECTIONS: number;
  /**
   * Not in Pyro5: the deepest container nesting the serializers of a proxy or daemon read or
   * write (1000, about what Python's recursion limit allows); deeper received data is refused
   * with a `SerializeError`.
   */
  MAX_NESTING_DEPTH: number;
  /** Where broadcast discovery sends its request. */
  BROADCAST_ADDRS: string[];
  /** 4, 6, or 0 to let the system choose. */
  PREFER_IP_VERSION: number;
  /** `serpent`, `json`, `marshal` or `msgpack`. */
  SERIALIZER: string;
  /** Serpent: write bytes as `b'...'` literals instead of base64 dicts. */
  SERPENT_BYTES_REPR: boolean;
  /** Log every message on the wire. */
  LOGWIRE: boolean;
  /** Stream iterator and generator results item by item. */
  ITER_STREAMING: boolean;
  /** Seconds a stream may live; 0 is forever. */
  ITER_STREAM_LIFETIME: number;
  /** Seconds a stream outlives its client's connection. */
  ITER_STREAM_LINGER: number;
  /** Log file, or `{stderr}`. */
  LOGFILE: string;
  /** Log level name (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`); null logs nothing. */
  LOGLEVEL: string | null;
  /** Use TLS. */
  SSL: boolean;
  /** Server certificate file. */
  SSL_SERVERCERT: string;
  /** Server key file. */
  SSL_SERVERKEY: string;
  /** Server key password. */
  SSL_SERVERKEYPASSWD: string;
  /** Require client certificates. */
  SSL_REQUIRECLIENTCERT: boolean;
  /** Client certificate file. */
  SSL_CLIENTCERT: string;
  /** Client key file. */
  SSL_CLIENTKEY: string;
  /** Client key password. */
  SSL_CLIENTKEYPASSWD: string;
  /** CA certificates file. */
  SSL_CACERTS: string;
}

/**
 * The defaults, as Pyro5 5.17 has them.
 *
 * @returns a fresh object with every item at its default
 * @example
 * ```ts
 * import { defaultConfig } from "@pyro5/pyro5";
 * defaultConfig().NS_PORT; // 9090
 * ```
 */
export function defaultConfig(): ConfigItems {
  return {
    HOST: "localhost",
    NS_HOST: "localhost",
    NS_PORT: 9090,
    NS_BCPORT: 9091,
    NS_BCHOST: null,
    NS_AUTOCLEAN: 0.0,
    NS_LOOKUP_DELAY: 0.0,
    NATHOST: null,
    NATPORT: 0,
    COMPRESSION: false,
    SERVERTYPE: "thread",
    COMMTIMEOUT: 0.0,
    POLLTIMEOUT: 2.0,
    MAX_RETRIES: 0,
    SOCK_REUSE: true,
    SOCK_NODELAY: false,
    DETAILED_TRACEBACK: false,
    THREADPOOL_SIZE: 80,
    THREADPOOL_SIZE_MIN: 4,
    MAX_MESSAGE_SIZE: 1024 * 1024 * 1024,
    MAX_INFLATED_SIZE: 64 * 1024 * 1024,
    HANDSHAKE_TIMEOUT: 5.0,
    MAX_CONNECTIONS: 0,
    MAX_NESTING_DEPTH: DEFAULT_MAX_DEPTH,
    BROADCAST_ADDRS: ["<broadcast>", "0.0.0.0"],
    PREFER_IP_VERSION: 0,
    SERIALIZER: "serpent",
    SERPENT_BYTES_REPR: false,
    LOGWIRE: false,
    ITER_STREAMING: true,
    ITER_STREAM_LIFETIME: 0.0,
    ITER_STREAM_LINGER: 30.0,
    LOGFILE: "pyro5.log",
    LOGLEVEL: null,
    SSL: false,
    SSL_SERVERCERT: "",
    SSL_SERVERKEY: "",
    SSL_SERVERKEYPASSWD: "",
    SSL_REQUIRECLIENTCERT: false,
    SSL_CLIENTCERT: "",
    SSL_CLIENTKEY: "",
    SSL_CLIENTKEYPASSWD: "",
    SSL_CACERTS: "",
  };
}

/** The items of ours that Pyro5 does not have: the receive-side hardening limits. */
export const NON_PYRO5_ITEMS: readonly string[] = [
  "MAX_INFLATED_SIZE",
  "HANDSHAKE_TIMEOUT",
  "MAX_CONNECTIONS",
  "MAX_NESTING_DEPTH",
];

const ITEMS: ReadonlySet<string> = new Set(Object.keys(defaultConfig()));
const INTEGER_ITEMS: ReadonlySet<string> = new Set([
  "NS_PORT",
  "NS_BCPORT",
  "NATPORT",
  "MAX_RETRIES",
  "THREADPOOL_SIZE",
  "THREADPOOL_SIZE_MIN",
  "MAX_MESSAGE_SIZE",
  "MAX_INFLATED_SIZE",
  "MAX_CONNECTIONS",
  "MAX_NESTING_DEPTH",
  "PREFER_IP_VERSION",
]);
const NULLABLE_ITEMS: ReadonlySet<string> = new Set(["NS_BCHOST", "NATHOST", "LOGLEVEL"]);
const PREFIX = "PYRO_";

const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

function parseEnvValue(item: keyof ConfigItems, text: string, defaults: ConfigItems): unknown {
  const current = defaults[item];
  // Refused at start-up, where the variable is named, rather than failing later as something else.
  if (item === "SERIALIZER" && !(SERIALIZER_NAMES as readonly string[]).includes(text)) {
    throw new RangeError(
      `invalid ${PREFIX}SERIALIZER '${text}': use ${SERIALIZER_NAMES.join(", ")}`,
    );
  }
  if (item === "LOGLEVEL" && text !== "" && !LOG_LEVELS.includes(text.toUpperCase())) {
    throw new RangeError(`invalid ${PREFIX}LOGLEVEL '${text}': use ${LOG_LEVELS.join(", ")}`);
  }
  if (Array.isArray(current)) return text.split(",").map((v) => v.trim());
  if (typeof current === "boolean") {
    const lower = text.toLowerCase();
    if (["0", "off", "no", "false"].includes(lower)) return false;
    if (["1", "yes", "on", "true"].includes(lower)) return true;
    throw new RangeError(`invalid boolean value: ${PREFIX}${item}=${lower}`);
  }
  if (typeof current === "number") {
    const trimmed = text.trim();
    const ok = INTEGER_ITEMS.has(item)
      ? /^[+-]?\d+$/.test(trimmed)
      : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed);
    if (!ok) {
      throw new RangeError(`invalid Pyro environment config value: ${PREFIX}${item}=${text}`);
    }
    return Number(trimmed);
  }
  return text;
}

/**
 * Applies `PYRO_*` variables to a configuration, as Pyro5 does at import:
 * booleans accept 0/off/no/false and 1/yes/on/true, lists are comma
 * separated, numbers must parse.
 *
 * @param env the environment, e.g. `process.env`
 * @param base the configuration to start from (defaults if omitted)
 * @returns a new configuration
 * @throws {RangeError} for an unknown `PYRO_` name or a value that does not parse
 * @example
 * ```ts
 * import { configFromEnvironment } from "@pyro5/pyro5";
 * configFromEnvironment({ PYRO_COMPRESSION: "on", PYRO_NS_PORT: "9999" }).NS_PORT; // 9999
 * ```
 */
export function configFromEnvironment(
  env: Record<string, string | undefined>,
  base: ConfigItems = defaultConfig(),
): ConfigItems {
  const result: ConfigItems = { ...base, BROADCAST_ADDRS: [...base.BROADCAST_ADDRS] };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined) continue;
    const item = name.slice(PREFIX.length);
    if (!ITEMS.has(item)) throw new RangeError(`invalid Pyro environment config variable: ${name}`);
    (result as unknown as Record<string, unknown>)[item] = parseEnvValue(
      item as keyof ConfigItems,
      value,
      base,
    );
  }
  return result;
}

/**
 * How much of the environment could be read: all of it, only `PYRO_*` names one by one (Deno with
 * `--allow-env=PYRO_*`), or none (no permission); with the reason when not all of it.
 */
export interface EnvironmentAccess {
  /** `all`, `some` (named variables only) or `none`. */
  readonly access: "all" | "some" | "none";
  /** Why not all: the runtime's refusal, e.g. Deno's `NotCapable` without `--allow-env`. */
  readonly reason: string | null;
}

let environmentAccess: EnvironmentAccess = { access: "all", reason: null };

/**
 * Whether the `PYRO_*` variables could be read when the configuration was made (Deno reads them
 * only with `--allow-env`, or `--allow-env=PYRO_*`).
 *
 * @returns the access and, when not all, why
 * @example
 * ```ts
 * import { readEnvironmentAccess } from "@pyro5/pyro5";
 * if (readEnvironmentAccess().access !== "all") console.log(readEnvironmentAccess().reason);
 * ```
 */
export function readEnvironmentAccess(): EnvironmentAccess {
  return environmentAccess;
}

function readEnvironment(): Record<string, string | undefined> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  if (!env) return {};
  try {
    // Copy now: a permission-checked environment (Deno without --allow-env) throws on access.
    return { ...env };
  } catch (e) {
    // Maybe only some names are allowed (Deno: --allow-env=PYRO_*): ask for ours one by one.
    const found: Record<string, string | undefined> = {};
    let readable = 0;
    for (const item of ITEMS) {
      try {
        found[PREFIX + item] = env[PREFIX + item];
        readable++;
      } catch { /* not allowed either */ }
    }
    const reason = `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? e}`;
    environmentAccess = { access: readable > 0 ? "some" : "none", reason };
    if (readable === 0) {
      // Said once, at start-up: PYRO_* settings a user exported would otherwise vanish silently.
      console.warn(
        `pyro5: PYRO_* environment config not read (${reason}); ` +
          "grant --allow-env=PYRO_* (Deno) to use it",
      );
    }
    return found;
  }
}

function checkItem(item: string, value: unknown): void {
  if (!ITEMS.has(item)) throw new RangeError(`unknown Pyro config item: ${item}`);
  const current = (DEFAULTS as unknown as Record<string, unknown>)[item];
  if (value === null && NULLABLE_ITEMS.has(item)) return;
  const ok = Array.isArray(current)
    ? Array.isArray(value) && value.every((v) => typeof v === "string")
    : typeof value === typeof current || (NULLABLE_ITEMS.has(item) && typeof value === "string");
  if (!ok) {
    throw new TypeError(
      `config item ${item} must be ${
        Array.isArray(current)
          ? "a string array"
          : NULLABLE_ITEMS.has(item)
          ? "a string or null"
          : typeof current
      }, got ${value === null ? "null" : typeof value}`,
    );
  }
  if (INTEGER_ITEMS.has(item) && !Number.isInteger(value)) {
    throw new TypeError(`config item ${item} must be an integer, got ${value}`);
  }
}

const DEFAULTS = defaultConfig();

/**
 * The process-wide configuration: defaults plus `PYRO_*` variables. Runtimes
 * without environment access get the defaults. Change items directly
 * (`config.COMPRESSION = true`) or per object through options.
 */
export const config: ConfigItems = configFromEnvironment(readEnvironment());

/**
 * A configuration for one object: the global `config` with `overrides`
 * applied, checked item by item.
 *
 * @param overrides items to change for this object only
 * @returns a new configuration object
 * @throws {RangeError} for an unknown item
 * @throws {TypeError} for a value of the wrong type
 * @example
 * ```ts
 * import { resolveConfig } from "@pyro5/pyro5";
 * const cfg = resolveConfig({ COMMTIMEOUT: 2.5, SERIALIZER: "json" });
 * ```
 */
export function resolveConfig(overrides: Partial<ConfigItems> = {}): ConfigItems {
  const result: ConfigItems = { ...config, BROADCAST_ADDRS: [...config.BROADCAST_ADDRS] };
  for (const [item, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    checkItem(item, value);
    (result as unknown as Record<string, unknown>)[item] = Array.isArray(value)
      ? [...value]
      : value;
  }
  return result;
}

/**
 * Pyro5's `config.dump()`: the items sorted by name, one `NAME = value` per line.
 *
 * @param cfg the configuration to show (the global one by default)
 * @returns the text
 * @example
 * ```ts
 * import { dumpConfig } from "@pyro5/pyro5";
 * console.log(dumpConfig());
 * ```
 */
export function dumpConfig(cfg: ConfigItems = config): string {
  return Object.keys(cfg).sort().map((k) => {
    const v = (cfg as unknown as Record<string, unknown>)[k];
    return `${k} = ${
      v === null ? "None" : typeof v === "boolean" ? (v ? "True" : "False") : String(v)
    }`;
  }).join("\n");
}
