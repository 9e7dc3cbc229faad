/**
 * Pyro URIs: `PYRO:obj@host:port`, `PYRO:obj@[::1]:port`, `PYRO:obj@./u:/path`,
 * `PYRONAME:name[@nshost[:port]]` and `PYROMETA:tag1,tag2[@nshost[:port]]`.
 *
 * @module
 */
import { PyroError } from "./errors.ts";
import { stringSet } from "./protocol/values.ts";

/** The default name server port, used when a PYRONAME/PYROMETA host has no port. */
const DEFAULT_NS_PORT = 9090;

const URI_PATTERN = /^([Pp][Yy][Rr][Oo][a-zA-Z]*):(\S+?)(@(.+))?$/;
const IPV6_BRACKETED = /^\[([0-9a-fA-F:%]+)\](?::(.*))?$/;

/**
 * A parsed Pyro URI. Python: `Pyro5.core.URI`.
 *
 * @example
 * ```ts
 * import { URI } from "@pyro5/pyro5";
 * const uri = new URI("PYRO:greeter@localhost:9999");
 * console.log(uri.object, uri.host, uri.port, String(uri));
 * ```
 */
export class URI {
  /** `PYRO`, `PYRONAME` or `PYROMETA`. */
  protocol: "PYRO" | "PYRONAME" | "PYROMETA";
  /** The object id or name; for PYROMETA the comma-joined tags. */
  object: string;
  /** The metadata tags of a PYROMETA URI. */
  metadata: Set<string>;
  /** Unix socket path, or null. */
  sockname: string | null;
  /** Host name or address (IPv6 without brackets), or null. */
  host: string | null;
  /** Port, or null. */
  port: number | null;

  /**
   * Creates an instance.
   * @param uri a URI string, or a URI to copy
   * @param options `nsPort`: the port for a PYRONAME/PYROMETA host given without one
   * @throws {PyroError} when the text is not a valid Pyro URI
   */
  constructor(uri: string | URI, options: { nsPort?: number } = {}) {
    if (uri instanceof URI) {
      this.protocol = uri.protocol;
      this.object = uri.object;
      this.metadata = new Set(uri.metadata);
      this.sockname = uri.sockname;
      this.host = uri.host;
      this.port = uri.port;
      return;
    }
    if (typeof uri !== "string") throw new TypeError(`URI must be a string, not ${typeof uri}`);
    const m = URI_PATTERN.exec(uri);
    if (!m) throw new PyroError("invalid uri");
    const protocol = m[1].toUpperCase();
    if (protocol !== "PYRO" && protocol !== "PYRONAME" && protocol !== "PYROMETA") {
      throw new PyroError("invalid uri (protocol)");
    }
    this.protocol = protocol;
    this.object = m[2];
    this.metadata = new Set();
    this.sockname = null;
    this.host = null;
    this.port = null;
    const location = m[4];
    if (protocol === "PYROMETA") {
      this.metadata = new Set(m[2].split(",").map((t) => t.trim()));
      this.object = [...this.metadata].join(",");
    }
    if (location === undefined) {
      if (protocol === "PYRO") throw new PyroError("invalid uri");
      return;
    }
    if (location.startsWith("./u:")) {
      const path = location.slice(4);
      if (!path || path.includes(":")) throw new PyroError("invalid uri (location)");
      this.sockname = path;
      return;
    }
    const defaultPort = protocol === "PYRO" ? undefined : options.nsPort ?? DEFAULT_NS_PORT;
    const [host, port] = splitHostPort(location, defaultPort);
    this.host = host;
    this.port = port;
  }

  /** Builds a URI from Python's state tuple `(protocol, object, sockname, host, port)`. */
  static fromState(state: readonly unknown[]): URI {
    const uri = Object.create(URI.prototype) as URI;
    const [protocol, object, sockname, host, port] = state;
    uri.protocol = String(protocol) as URI["protocol"];
    const metadata = stringSet(object);
    if (metadata) {
      uri.metadata = metadata;
      uri.object = [...uri.metadata].join(",");
    } else {
      uri.metadata = new Set();
      uri.object = String(object);
    }
    uri.sockname = typeof sockname === "string" ? sockname : null;
    uri.host = typeof host === "string" ? host : null;
    uri.port = typeof port === "number" ? port : null;
    return uri;
  }

  /** Python's state tuple; PYROMETA carries its tags as a set. */
  get state(): [string, string | Set<string>, string | null, string | null, number | null] {
    const object = this.protocol === "PYROMETA" ? new Set(this.metadata) : this.object;
    return [this.protocol, object, this.sockname, this.host, this.port];
  }

  /** `host:port`, `[ipv6]:port`, `./u:path`, or null when there is no location. */
  get location(): string | null {
    if (this.sockname) return `./u:${this.sockname}`;
    if (this.host === null) return null;
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `${host}:${this.port}`;
  }

  /** The URI text as Python's `str(uri)` writes it. */
  toString(): string {
    const location = this.location;
    return `${this.protocol}:${this.object}${location === null ? "" : "@" + location}`;
  }

  /** The URI text, so `JSON.stringify` gives a readable URI. */
  toJSON(): string {
    return this.toString();
  }
}

function splitHostPort(location: string, defaultPort: number | undefined): [string, number] {
  let host: string;
  let portText: string | undefined;
  if (location.startsWith("[")) {
    if (location.startsWith("[[")) {
      throw new PyroError("invalid ipv6 address: enclosed in too many brackets");
    }
    const m = IPV6_BRACKETED.exec(location);
    if (!m) {
      throw new PyroError(
        "invalid ipv6 address: the part between brackets must be a numeric ipv6 address",
      );
    }
    host = m[1];
    portText = m[2];
  } else {
    const colon = location.lastIndexOf(":");
    if (colon < 0) {
      host = location;
    } else {
      host = location.slice(0, colon);
      portText = location.slice(colon + 1);
    }
  }
  if (portText === undefined) {
    if (defaultPort === undefined) throw new PyroError("invalid uri (location)");
    return [host, defaultPort];
  }
  if (!/^\d+$/.test(portText)) throw new PyroError(`invalid port in uri, port=${portText}`);
  return [host, Number(portText)];
}
