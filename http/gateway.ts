/**
 * The HTTP gateway: Pyro objects for any HTTP client, as Pyro5's
 * `Pyro5.utils.httpgateway` offers them, as a web-standard
 * `(Request) => Promise<Response>` handler that knows no server.
 *
 * | request | answer |
 * | --- | --- |
 * | `/` | 302 to `/pyro/` |
 * | `GET /pyro/` | the index page |
 * | `GET/POST /pyro/<object>/<method>?kw=v` | 200 with the daemon's JSON payload; 500 with the JSON exception |
 * | `/pyro/<object>/$meta` | `{"methods": [...], "attributes": [...]}` |
 * | `OPTIONS /pyro/...` | 200, CORS headers |
 * | `GET /pyro/<file>` of the `files` option | the file (the browser module, a page) |
 * | a WebSocket to `/pyro/ws`, with the `webSocket` option | the bridge (`ws_bridge.ts`) |
 * | another method | 405; a path outside `/pyro/`: 404 |
 *
 * @module
 */
import { CommunicationError, NamingError, PyroError } from "../errors.ts";
import { type ConfigItems, resolveConfig } from "../config.ts";
import { locateNS } from "../naming/locate.ts";
import { Annotation, Flags } from "../protocol/constants.ts";
import type { Message } from "../protocol/message.ts";
import { bytesToUuid, randomCorrelationBytes, uuidToBytes } from "../protocol/correlation.ts";
import { getSerializer } from "../serializers/mod.ts";
import { errorToDict } from "../serializers/registry.ts";
import { defaultTransport } from "../transport/select.ts";
import type { Transport } from "../transport/types.ts";
import { URI } from "../uri.ts";
import {
  type Location,
  type ObjectMeta,
  type PyroCall,
  PyroPool,
  readMetadata,
} from "./pyro_pool.ts";
import { pyJsonDumps } from "./py_json.ts";
import { type PlainRequest, type PlainResponse, withFetchForm } from "./plain.ts";
import { type IndexEntry, indexPage } from "./index_page.ts";
import {
  createWebSocketBridge,
  type WebSocketBridge,
  type WebSocketBridgeOptions,
} from "./ws_bridge.ts";

const json = getSerializer("json");
const JSON_TYPE = "application/json; charset=utf-8";
const PYRO_HEADERS = "X-Pyro-Options, X-Pyro-Gateway-Key, X-Pyro-Correlation-Id";

/** The bridge's own options, when the gateway serves one; the rest come from the gateway's. */
export type GatewayWebSocketOptions = Pick<
  WebSocketBridgeOptions,
  | "allow"
  | "maxConnectionsPerClient"
  | "maxConnections"
  | "maxMessageSize"
  | "helloTimeout"
  | "connectTimeout"
  | "onError"
>;

/** A file the gateway serves as it is. */
export interface GatewayFile {
  /** The bytes or text. */
  body: string | Uint8Array<ArrayBuffer>;
  /** Its `Content-Type`. */
  type: string;
}

/** Options of {@linkcode createGateway}; all optional. */
export interface GatewayOptions {
  /**
   * The name server's URI (`PYRO:Pyro.NameServer@host:port`); without it the name server is
   * found as `locateNS()` finds it (`PYRO_NS_HOST`, `PYRO_NS_PORT`, broadcast).
   */
  nameserver?: string | URI;
  /** A regular expression the object names must match from their start (default `http\.`); "" exposes all. Python: `-e/--expose`. */
  expose?: string;
  /** The key every request must carry in `X-Pyro-Gateway-Key` or `$key`. Python: `-g/--gatewaykey`. */
  gatewayKey?: string | null;
  /** `Access-Control-Allow-Origin` (default `*`); "" sends no CORS headers. Python: `-c/--cors`. */
  cors?: string;
  /** Seconds to wait for the name server and daemons (default `COMMTIMEOUT`, 0 for none). Python: `-t/--timeout`. */
  timeout?: number;
  /**
   * Seconds a name server lookup and an object's metadata are reused (default 1; 0 looks every
   * request up, as Python's gateway does). A location from the cache that refuses the call (its
   * daemon gone, the object moved) is forgotten and the name looked up again.
   */
  lookupCacheTtl?: number;
  /** Idle connections kept per daemon location (default 16). */
  maxIdleConnections?: number;
  /** Config items (NS_HOST, NS_PORT, COMMTIMEOUT, ...) instead of the environment's. */
  config?: Partial<ConfigItems>;
  /** The transport to reach Pyro with; the runtime's own by default. */
  transport?: Transport;
  /** Told of gateway-side failures (default: none; the command logs them to stderr). */
  onError?: (error: unknown, request: Request) => void;
  /**
   * A WebSocket bridge at `/pyro/ws` (default: none), with the gateway's name server, expose
   * pattern, key and CORS origin: `true`, or the bridge's limits and allow-list. Serve it with
   * `serve(gateway.fetch, { webSocket: gateway.webSocket })`.
   */
  webSocket?: boolean | GatewayWebSocketOptions;
  /** Files served at `/pyro/<path>` for GET, e.g. `{ "pyro5.js": { body, type } }`. */
  files?: Readonly<Record<string, GatewayFile>>;
}

/** A gateway: its handler and a way to close its connections. */
export interface Gateway {
  /** Answers one HTTP request; pass it to `Deno.serve`, `Bun.serve`, Hono, or {@linkcode serveGateway}. */
  fetch: (request: Request) => Promise<Response>;
  /** Closes the pooled connections to the name server and the daemons. */
  close(): Promise<void>;
  /** The name server's URI, once found. */
  readonly nameserverUri: URI | null;
  /** Finds the name server now rather than at the first request; rejects when none answers. */
  locateNameServer(): Promise<URI>;
  /** The WebSocket bridge, when the `webSocket` option asked for one. */
  readonly webSocket: WebSocketBridge | null;
}

interface CacheEntry<T> {
  value: T;
  expires: number;
}

/** A name's URI, with what each call to it needs made once per lookup rather than per call. */
interface Located {
  uri: URI;
  location: Location;
  /** The URI as text: the key of its metadata. */
  key: string;
}

interface Params {
  [name: string]: unknown;
}

/** Parses a correlation id as Python's `uuid.UUID(text)` does. */
function parseCorrelationId(text: string): string {
  const hex = text.replaceAll("urn:", "").replaceAll("uuid:", "").replace(/^[{}]+|[{}]+$/g, "")
    .replaceAll("-", "");
  if (hex.length !== 32 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new GatewayError("builtins.ValueError", "badly formed hexadecimal UUID string");
  }
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An error the gateway itself reports, under a Python class name. */
class GatewayError extends Error {
  readonly pythonClass: string;
  readonly #status: number;
  constructor(pythonClass: string, message: string, status = 500) {
    super(message);
    this.pythonClass = pythonClass;
    this.#status = status;
  }
  get status(): number {
    return this.#status;
  }
}

/**
 * The path and the query of a serialized absolute URL (`Request.url`), without a `URL`: the
 * URL is normalized already, and a call without a query makes no `URLSearchParams`, whose
 * iteration alone cost 1.5 % of the gateway's time on Deno (2026-12-03).
 */
function splitUrl(url: string): { pathname: string; search: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return { pathname: "/", search: "" };
  let end = url.indexOf("#", start);
  if (end < 0) end = url.length;
  const query = url.indexOf("?", start);
  if (query < 0 || query > end) return { pathname: url.slice(start, end), search: "" };
  return { pathname: url.slice(start, query), search: url.slice(query + 1, end) };
}

/** Query parameters as Python's `parse_qs` plus `singlyfy_parameters` make them. */
function queryParams(search: string): Params {
  const params: Params = Object.create(null);
  if (search === "") return params;
  for (const [key, value] of new URLSearchParams(search)) {
    if (value === "") continue; // parse_qs drops blank values
    const had = params[key];
    if (had === undefined) params[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else params[key] = [had, value];
  }
  return params;
}

async function bodyParams(request: PlainRequest, into: Params): Promise<void> {
  if (request.method !== "POST" || !request.body) return;
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    const form = queryParams(await request.text());
    for (const key in form) into[key] = form[key];
  } else if (type === "application/json") {
    const text = await request.text();
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new GatewayError(
        "builtins.ValueError",
        `invalid JSON body: ${(e as Error).message}`,
        400,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new GatewayError(
        "builtins.ValueError",
        "a JSON body must be an object of keyword arguments",
        400,
      );
    }
    for (const [key, v] of Object.entries(value)) {
      if (key !== "__proto__") into[key] = v;
    }
  }
}

/** Seconds a lookup and an object's metadata are reused unless `lookupCacheTtl` says otherwise. */
export const DEFAULT_LOOKUP_CACHE_TTL = 1;

/** A call that failed before it reached a daemon, with a location from the lookup cache. */
class NotReached extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super("not reached");
    this.cause = cause;
  }
}

/** The payload as its own bytes: a received payload may be a view into a larger chunk. */
function copy(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  return payload.slice() as Uint8Array<ArrayBuffer>;
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  302: "Found",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
};

/**
 * Creates a gateway: a fetch-style handler that turns `/pyro/<object>/<method>?kw=v` into a
 * Pyro call on the object registered under that name, with the json serializer, and answers
 * with the daemon's JSON. Python: `Pyro5.utils.httpgateway.pyro_app`.
 *
 * @param options name server, expose pattern, gateway key, CORS origin, timeouts, caching
 * @returns the gateway
 * @example
 * ```ts
 * import { createGateway } from "./gateway.ts";
 * const gateway = createGateway({ expose: "test\\.", cors: "*" });
 * // A fetch handler: any web-standard server can serve it (Deno.serve, Bun.serve, ./serve.ts).
 * const reply = await gateway.fetch(new Request("http://localhost/pyro/secret.thing/x"));
 * console.log(reply.status); // 403: not in the expose pattern
 * await gateway.close();
 * ```
 */
export function createGateway(options: GatewayOptions = {}): Gateway {
  const cfg = resolveConfig(options.config);
  const expose = options.expose ?? "http\\.";
  const exposeRegex = expose ? new RegExp(`^(?:${expose})`) : null;
  const gatewayKey = options.gatewayKey || null;
  const cors = options.cors ?? "*";
  const timeout = options.timeout ?? cfg.COMMTIMEOUT;
  const ttl = (options.lookupCacheTtl ?? DEFAULT_LOOKUP_CACHE_TTL) * 1000;
  let pool: PyroPool | null = null;
  let poolPromise: Promise<PyroPool> | null = null;
  let nsUri: URI | null = options.nameserver ? new URI(options.nameserver) : null;
  let locating: Promise<URI> | null = null;
  const lookups = new Map<string, CacheEntry<Located>>();
  const metas = new Map<string, CacheEntry<ObjectMeta>>();
  const files = new Map(Object.entries(options.files ?? {}));
  const bridge = options.webSocket
    ? createWebSocketBridge({
      ...(options.webSocket === true ? {} : options.webSocket),
      nameserver,
      expose,
      gatewayKey,
      cors,
      transport: options.transport,
    })
    : null;

  function getPool(): Promise<PyroPool> {
    if (pool) return Promise.resolve(pool);
    poolPromise ??= (async () => {
      const transport: Transport = options.transport ?? await defaultTransport();
      pool = new PyroPool({
        transport,
        timeout,
        maxIdle: options.maxIdleConnections,
        maxMessageSize: cfg.MAX_MESSAGE_SIZE,
      });
      return pool;
    })();
    return poolPromise;
  }

  async function nameserver(): Promise<URI> {
    if (nsUri) return nsUri;
    locating ??= (async () => {
      try {
        const ns = await locateNS(null, null, {
          config: options.config,
          transport: options.transport,
        });
        const uri = ns.uri;
        await ns.proxy._pyroRelease();
        return nsUri = uri;
      } finally {
        locating = null;
      }
    })();
    return await locating;
  }

  function locationOf(uri: URI): Location {
    if (uri.sockname) return { path: uri.sockname };
    return { hostname: uri.host!, port: uri.port! };
  }

  /** Calls the name server; a name server found by locating is looked for again after a failure. */
  async function nsCall(call: Omit<PyroCall, "object">): Promise<Message> {
    const uri = await nameserver();
    try {
      const p = await getPool();
      return (await p.call(locationOf(uri), { ...call, object: uri.object }))!;
    } catch (e) {
      if (e instanceof CommunicationError && !options.nameserver) nsUri = null;
      throw e;
    }
  }

  const corsHeaders: Array<[string, string]> = cors
    ? [
      ["Access-Control-Allow-Origin", cors],
      ["Access-Control-Allow-Methods", "GET, POST, OPTIONS"],
      ["Access-Control-Allow-Headers", `Content-Type, ${PYRO_HEADERS}`],
      ["Access-Control-Expose-Headers", "X-Pyro-Correlation-Id"],
    ]
    : [];

  function respond(
    status: number,
    body: string | Uint8Array<ArrayBuffer> | null,
    extra: Array<[string, string]>,
  ): PlainResponse {
    return { status, statusText: STATUS_TEXT[status], headers: extra.concat(corsHeaders), body };
  }

  const text = (status: number, body: string) =>
    respond(status, body, [["Content-Type", "text/plain"]]);

  function errorResponse(
    error: unknown,
    correlationId: string | null,
    status = 500,
  ): PlainResponse {
    const err = error instanceof Error ? error : new PyroError(String(error));
    const dict = errorToDict(err);
    const extra: Array<[string, string]> = [["Content-Type", JSON_TYPE]];
    if (correlationId) extra.push(["X-Pyro-Correlation-Id", correlationId]);
    return respond(error instanceof GatewayError ? error.status : status, pyJsonDumps(dict), extra);
  }

  /** Asks the name server for `name` (and caches the answer); the reply when it refuses. */
  async function lookup(name: string, correlationId: Uint8Array): Promise<Located | Message> {
    const reply = await nsCall({ method: "lookup", args: [name], correlationId });
    if (reply.flags & Flags.EXCEPTION) return reply;
    const value = json.loads(reply.payload);
    const uri = value instanceof URI ? value : new URI(String(value));
    const located = { uri, location: locationOf(uri), key: String(uri) };
    if (ttl > 0) lookups.set(name, { value: located, expires: Date.now() + ttl });
    return located;
  }

  function keyOf(request: PlainRequest, params: Params): string {
    const header = request.headers.get("x-pyro-gateway-key");
    if (header) return header;
    const param = params["$key"];
    return typeof param === "string" ? param : "";
  }

  async function callObject(
    request: PlainRequest,
    asRequest: () => Request,
    objectName: string,
    method: string,
    params: Params,
  ): Promise<PlainResponse> {
    const pyroOptions = request.headers.get("x-pyro-options");
    const oneway = pyroOptions !== null &&
      pyroOptions.split(",").some((s) => s.trim() === "oneway");
    const header = request.headers.get("x-pyro-correlation-id");
    let correlationId: string | null = null;
    try {
      // The id as text for the answer's header and as bytes for every message of the request:
      // parsed once (uuidToBytes per message was the gateway's costliest own function on Deno).
      let bytes: Uint8Array;
      if (header) bytes = uuidToBytes(correlationId = parseCorrelationId(header));
      else correlationId = bytesToUuid(bytes = randomCorrelationBytes());
      const cid = { text: correlationId, bytes };
      const attempt = (fresh: boolean) =>
        callLookedUp(objectName, method, params, oneway, cid, fresh);
      // A cached location that no longer serves the object (its daemon gone, or the object
      // moved) is forgotten; when the call never reached a daemon, the name is looked up again
      // (a fresh lookup never throws NotReached).
      return await attempt(false).catch((e) => {
        if (e instanceof NotReached) return attempt(true);
        throw e;
      });
    } catch (e) {
      options.onError?.(e, asRequest());
      return errorResponse(e, correlationId);
    }
  }

  /** Looks the name up (from the cache unless `fresh`) and calls the method. */
  async function callLookedUp(
    objectName: string,
    method: string,
    params: Params,
    oneway: boolean,
    correlationId: { text: string; bytes: Uint8Array },
    fresh: boolean,
  ): Promise<PlainResponse> {
    const now = Date.now();
    const cached = fresh ? undefined : lookups.get(objectName);
    const fromCache = cached !== undefined && cached.expires > now;
    const found = fromCache ? cached.value : await lookup(objectName, correlationId.bytes);
    if (!("uri" in found)) {
      // An unknown name: 404 with the name server's own NamingError (Python answers 500).
      const error = json.loads(found.payload) as Error;
      const status = error instanceof NamingError ? 404 : 500;
      return respond(status, copy(found.payload), [
        ["Content-Type", JSON_TYPE],
        ["X-Pyro-Correlation-Id", correlationId.text],
      ]);
    }
    const { uri, key: metaKey } = found;
    const p = pool ?? await getPool();
    const cid = correlationId.bytes;
    let reached = false;
    return await p.use(found.location, uri.object, async (send) => {
      reached = true;
      const hit = metas.get(metaKey);
      let meta = hit && hit.expires > now ? hit.value : null;
      if (!meta) {
        meta = await readMetadata(send, uri.object, cid);
        if (ttl > 0) metas.set(metaKey, { value: meta, expires: Date.now() + ttl });
      }
      const ok = (body: string | Uint8Array<ArrayBuffer> | null) =>
        respond(200, body, [
          ["Content-Type", JSON_TYPE],
          ["X-Pyro-Correlation-Id", correlationId.text],
        ]);
      if (method === "$meta") {
        return ok(pyJsonDumps({ methods: meta.methods, attributes: meta.attrs }));
      }
      let call: PyroCall;
      if (meta.attrs.includes(method)) {
        if (Object.keys(params).length > 0) {
          throw new GatewayError(
            "builtins.AssertionError",
            "attribute lookup can't have query parameters",
          );
        }
        call = { object: uri.object, method: "__getattr__", args: [method], correlationId: cid };
      } else if (meta.methods.includes(method)) {
        call = { object: uri.object, method, kwargs: params, correlationId: cid };
      } else {
        throw new GatewayError(
          "builtins.AttributeError",
          `remote object '${uri}' has no exposed attribute or method '${method}'`,
        );
      }
      if (oneway || meta.oneway.includes(method)) {
        await send({ ...call, oneway: true });
        return ok(null);
      }
      const reply = (await send(call))!;
      // A stream comes with the EXCEPTION flag too, for old clients: the stream flag first.
      if (reply.flags & Flags.ITEMSTREAMRESULT) {
        return ok(await collectStream(send, reply, cid));
      }
      if (reply.flags & Flags.EXCEPTION) {
        return respond(500, copy(reply.payload), [
          ["Content-Type", JSON_TYPE],
          ["X-Pyro-Correlation-Id", correlationId.text],
        ]);
      }
      return ok(copy(reply.payload));
    }).catch((e) => {
      if (!(e instanceof CommunicationError) || !fromCache) throw e;
      lookups.delete(objectName);
      metas.delete(metaKey);
      throw reached ? e : new NotReached(e);
    });
  }

  async function collectStream(
    send: (call: PyroCall) => Promise<Message | null>,
    first: Message,
    correlationId: Uint8Array,
  ): Promise<string> {
    const idBytes = first.annotations.get(Annotation.STREAM);
    if (!idBytes?.length) {
      throw new PyroError(
        "result of call is an iterator, but the server is not configured to allow streaming",
      );
    }
    const streamId = new TextDecoder().decode(idBytes);
    const items: string[] = [];
    const decoder = new TextDecoder();
    for (;;) {
      const reply = (await send({
        object: "Pyro.Daemon",
        method: "get_next_stream_item",
        args: [streamId],
        correlationId,
      }))!;
      if (reply.flags & Flags.EXCEPTION) {
        const error = json.loads(reply.payload) as { pythonClass?: string };
        if (String(error?.pythonClass ?? "").endsWith("StopIteration")) break;
        throw error;
      }
      items.push(decoder.decode(reply.payload));
    }
    return "[" + items.join(", ") + "]";
  }

  async function homepage(asRequest: () => Request): Promise<PlainResponse> {
    let entries: IndexEntry[];
    let where: string;
    try {
      const reply = await nsCall({ method: "list", kwargs: { regex: expose || null } });
      if (reply.flags & Flags.EXCEPTION) throw json.loads(reply.payload);
      const listed = json.loads(reply.payload) as Record<string, unknown> | Map<string, unknown>;
      const pairs = (listed instanceof Map ? [...listed] : Object.entries(listed))
        .map(([name, uri]) => [String(name), new URI(String(uri))] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      where = nsUri?.location ?? "";
      const p = await getPool();
      const describe = async ([name, uri]: readonly [string, URI]): Promise<IndexEntry> => {
        try {
          const meta = await p.metadata(locationOf(uri), uri.object);
          return {
            name,
            uri: String(uri),
            methods: meta.methods,
            attributes: meta.attrs,
            oneway: meta.oneway,
          };
        } catch (e) {
          return {
            name,
            uri: String(uri),
            methods: [],
            attributes: [],
            oneway: [],
            error: String((e as Error)?.message ?? e),
          };
        }
      };
      // Eight at a time: a name server full of names on one daemon should not open a
      // connection per name at once.
      entries = [];
      for (let i = 0; i < pairs.length; i += 8) {
        entries.push(...await Promise.all(pairs.slice(i, i + 8).map(describe)));
      }
    } catch (e) {
      options.onError?.(e, asRequest());
      return text(
        500,
        "Cannot connect to the Pyro name server. Is it running? Refresh page to retry.",
      );
    }
    return respond(
      200,
      indexPage({ entries, nameserver: where, expose, keyRequired: gatewayKey !== null }),
      [["Content-Type", "text/html"]],
    );
  }

  async function handle(request: PlainRequest, asRequest: () => Request): Promise<PlainResponse> {
    const { pathname, search } = splitUrl(request.url);
    let path: string;
    try {
      path = decodeURIComponent(pathname).replace(/^\/+/, "");
    } catch {
      return text(404, "Error 404: Not Found");
    }
    if (!path) {
      return { status: 302, statusText: "Found", headers: [["Location", "/pyro/"]], body: null };
    }
    if (!path.startsWith("pyro/")) return text(404, "Error 404: Not Found");
    if (request.method === "OPTIONS") return text(200, "200 OK");
    const file = files.get(path.slice(5));
    if (file && (request.method === "GET" || request.method === "HEAD")) {
      return respond(200, request.method === "GET" ? file.body : null, [
        ["Content-Type", file.type],
      ]);
    }
    if (request.method !== "GET" && request.method !== "POST") {
      return text(405, "Error 405: Method Not Allowed");
    }
    const rest = path.slice(5);
    const params = queryParams(search);
    if (!rest) {
      if (gatewayKey !== null && keyOf(request, params) !== gatewayKey) {
        return text(403, "403 Forbidden - incorrect gateway api key");
      }
      return await homepage(asRequest);
    }
    const match = /^(.+)\/(.+)$/.exec(rest);
    if (!match) return text(404, "Error 404: Not Found");
    const [, objectName, method] = match;
    try {
      await bodyParams(request, params);
    } catch (e) {
      return errorResponse(e, null);
    }
    if (gatewayKey !== null) {
      if (keyOf(request, params) !== gatewayKey) {
        return text(403, "403 Forbidden - incorrect gateway api key");
      }
      delete params["$key"];
    }
    if (exposeRegex && !exposeRegex.test(objectName)) {
      return text(403, "403 Forbidden - access to the requested object has been denied");
    }
    return await callObject(request, asRequest, objectName, method, params);
  }

  return {
    fetch: withFetchForm(handle),
    webSocket: bridge,
    async close() {
      await bridge?.close();
      const p = pool ?? (poolPromise ? await poolPromise : null);
      await p?.close();
    },
    get nameserverUri() {
      return nsUri;
    },
    locateNameServer: nameserver,
  };
}
