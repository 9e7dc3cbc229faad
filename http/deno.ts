/**
 * Serves a fetch-style handler with `Deno.serve`, and a WebSocket endpoint beside it with
 * `Deno.upgradeWebSocket`.
 *
 * @module
 */
import type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";
import type { SocketHandlers, WebSocketEndpoint } from "./ws_types.ts";

interface DenoServer {
  addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

type ServeInfo = { remoteAddr: { hostname: string } };

declare const Deno: {
  serve(
    options: { hostname?: string; port?: number; onListen?: (addr: unknown) => void },
    handler: (request: Request, info: ServeInfo) => Response | Promise<Response>,
  ): DenoServer;
  upgradeWebSocket(
    request: Request,
    options?: { protocol?: string },
  ): { socket: WebSocket; response: Response };
};

/** Upgrades the request when the endpoint accepts it; null when it is not the endpoint's. */
function upgrade(endpoint: WebSocketEndpoint, request: Request, info: ServeInfo): Response | null {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return null;
  const accepted = endpoint.upgrade(request, info.remoteAddr.hostname);
  if (accepted === null || accepted instanceof Response) return accepted;
  const { socket, response } = Deno.upgradeWebSocket(request, { protocol: accepted.protocol });
  socket.binaryType = "arraybuffer";
  let handlers: SocketHandlers | null = null;
  socket.onopen = () => {
    handlers = accepted.open({
      send: (data) => socket.send(data as Uint8Array<ArrayBuffer> | string),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      close: (code, reason) => socket.close(code, reason),
    });
  };
  socket.onmessage = (event) =>
    handlers?.message(
      typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer),
    );
  socket.onclose = (event) => handlers?.close(event.code, event.reason);
  socket.onerror = () => {}; // the close event follows
  return response;
}

/**
 * Starts `Deno.serve` with the handler.
 *
 * @param handler the handler
 * @param options host, port, and a WebSocket endpoint
 * @returns the running server
 * @example
 * ```ts
 * import { serveDeno } from "./deno.ts";
 * const server = serveDeno(() => new Response("hi"), { hostname: "127.0.0.1", port: 0 });
 * console.log(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()); // hi
 * await server.close();
 * ```
 */
export function serveDeno(handler: FetchHandler, options: ServeOptions = {}): HttpServer {
  const endpoint = options.webSocket;
  const server = Deno.serve(
    { hostname: options.hostname ?? "localhost", port: options.port ?? 8080, onListen: () => {} },
    (request, info) => (endpoint && upgrade(endpoint, request, info)) || handler(request),
  );
  return {
    hostname: server.addr.hostname,
    port: server.addr.port,
    runtime: "deno",
    async close() {
      await server.shutdown();
    },
  };
}
