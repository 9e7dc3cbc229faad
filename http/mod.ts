/**
 * The HTTP gateway: Pyro objects for any HTTP client and web page, compatible with Pyro5's
 * `Pyro5.utils.httpgateway`. {@linkcode createGateway} makes a web-standard
 * `(Request) => Promise<Response>` handler; {@linkcode serve} serves it (or any handler) with
 * the runtime's own HTTP server.
 *
 * @example
 * ```ts
 * import { createGateway, serve } from "./mod.ts";
 * import { startNS } from "../naming.ts";
 *
 * await using ns = await startNS({ host: "127.0.0.1", port: 0 });
 * const gateway = createGateway({ nameserver: String(ns.uri), expose: "test\\.", cors: "*" });
 * const server = await serve(gateway.fetch, { hostname: "localhost", port: 0 });
 * const page = await fetch(`http://localhost:${server.port}/pyro/`); // the index page
 * console.log(page.status, page.headers.get("content-type")); // 200 text/html
 * await page.body?.cancel();
 * await server.close();
 * await gateway.close();
 * ```
 *
 * @module
 */
export {
  createGateway,
  type Gateway,
  type GatewayFile,
  type GatewayOptions,
  type GatewayWebSocketOptions,
} from "./gateway.ts";
export { type IndexEntry, indexPage, type IndexPageOptions } from "./index_page.ts";
export { pyJsonDumps } from "./py_json.ts";
export { serve } from "./serve.ts";
export type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";
export {
  createWebSocketBridge,
  type WebSocketBridge,
  type WebSocketBridgeOptions,
} from "./ws_bridge.ts";
export type { Accepted, ServerSocket, SocketHandlers, WebSocketEndpoint } from "./ws_types.ts";
