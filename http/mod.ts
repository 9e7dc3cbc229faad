/**
 * The HTTP gateway: Pyro objects for any HTTP client and web page, compatible with Pyro5's
 * `Pyro5.utils.httpgateway`. {@linkcode createGateway} makes a web-standard
 * `(Request) => Promise<Response>` handler; {@linkcode serve} serves it (or any handler) with
 * the runtime's own HTTP server.
 *
 * @example
 * ```ts
 * import { createGateway, serve } from "./mod.ts";
 *
 * const gateway = createGateway({ expose: "test\\.", gatewayKey: null, cors: "*" });
 * // const server = await serve(gateway.fetch, { hostname: "localhost", port: 8080 });
 * // or: Deno.serve({ port: 8080 }, gateway.fetch); Bun.serve({ port: 8080, fetch: gateway.fetch });
 * await gateway.close();
 * ```
 *
 * @module
 */
export { createGateway, type Gateway, type GatewayOptions } from "./gateway.ts";
export { type IndexEntry, indexPage, type IndexPageOptions } from "./index_page.ts";
export { pyJsonDumps } from "./py_json.ts";
export { serve } from "./serve.ts";
export type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";
