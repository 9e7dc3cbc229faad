/**
 * Serves a fetch-style handler with `node:http`: each request becomes a `Request`, each
 * `Response` is written back with its status, status text, headers and body; a handler with a
 * plain form (`plain.ts`: the gateway's) is served without either. A WebSocket endpoint is
 * served on the upgrade requests (`node_ws.ts`).
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";
import { acceptWebSockets } from "./node_ws.ts";
import { knownBody } from "./known_body.ts";
import { plainFormOf, type PlainHandler, type PlainRequest, type PlainResponse } from "./plain.ts";
import { utf8Encoder } from "../serializers/text.ts";

/** The body of a request that may have one (not GET or HEAD), or undefined when empty. */
async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk as Uint8Array);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (total === 0) return undefined;
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  return headers;
}

function makeRequest(req: IncomingMessage, url: string, body: Uint8Array<ArrayBuffer> | undefined) {
  return new Request(url, { method: req.method, headers: headersOf(req), body });
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  return makeRequest(req, new URL(req.url ?? "/", base).href, await readBody(req));
}

/** A request's headers looked up in its raw list, as `Headers.get` finds them. */
class RawHeaders {
  readonly #raw: string[];
  constructor(raw: string[]) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const raw = this.#raw;
    let found: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].length !== name.length || raw[i].toLowerCase() !== name.toLowerCase()) continue;
      found = found === null ? raw[i + 1] : `${found}, ${raw[i + 1]}`;
    }
    return found;
  }
}

/** Serves one request with a plain handler: no `Request`, no `Response`. */
async function servePlain(
  handler: PlainHandler,
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
): Promise<void> {
  const url = new URL(req.url ?? "/", base).href;
  // A GET has no body to wait for: no await, no microtask.
  const body = req.method === "GET" ? undefined : await readBody(req);
  const request: PlainRequest = {
    method: req.method ?? "GET",
    url,
    headers: new RawHeaders(req.rawHeaders),
    body: body ?? null,
    text: () => Promise.resolve(body ? new TextDecoder().decode(body) : ""),
  };
  writePlain(await handler(request, () => makeRequest(req, url, body)), res);
}

function writePlain(response: PlainResponse, res: ServerResponse): void {
  const body = typeof response.body === "string"
    ? utf8Encoder.encode(response.body)
    : response.body;
  const headers: string[] = [];
  for (const [name, value] of response.headers) headers.push(name, value);
  if (body) headers.push("Content-Length", String(body.length));
  res.writeHead(response.status, response.statusText || undefined, headers);
  res.end(body ?? undefined);
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const known = knownBody(response);
  const body = known !== undefined
    ? (typeof known === "string" ? utf8Encoder.encode(known) : known)
    : response.body
    ? new Uint8Array(await response.arrayBuffer())
    : null;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of response.headers) headers[k] = v;
  if (body) headers["content-length"] = String(body.length);
  res.writeHead(response.status, response.statusText || undefined, headers);
  res.end(body ?? undefined);
}

/**
 * Starts a `node:http` server with the handler.
 *
 * @param handler the handler
 * @param options host and port
 * @returns the running server, once it listens
 * @example
 * ```ts
 * import { serveNode } from "./node.ts";
 * const server = await serveNode(() => new Response("hi"), { hostname: "127.0.0.1", port: 0 });
 * console.log(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()); // hi
 * await server.close();
 * ```
 */
export async function serveNode(
  handler: FetchHandler,
  options: ServeOptions = {},
): Promise<HttpServer> {
  const hostname = options.hostname ?? "localhost";
  let base = "http://localhost";
  const plain = plainFormOf(handler);
  const failed = (res: ServerResponse) => (e: unknown) => {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(e));
  };
  const server = createServer((req, res) => {
    if (plain) {
      servePlain(plain, req, res, base).catch(failed(res));
      return;
    }
    toRequest(req, base)
      .then((request) => handler(request))
      .then((response) => writeResponse(response, res))
      .catch(failed(res));
  });
  // A Pyro call may take long: no request timeout.
  server.requestTimeout = 0;
  const dropWebSockets = options.webSocket
    ? acceptWebSockets(server, options.webSocket, () => base)
    : () => {};
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, hostname, () => resolve());
  });
  const address = server.address() as AddressInfo;
  base = `http://${
    address.family === "IPv6" ? `[${address.address}]` : address.address
  }:${address.port}`;
  return {
    hostname: address.address,
    port: address.port,
    runtime: "node",
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        dropWebSockets();
      });
    },
  };
}
