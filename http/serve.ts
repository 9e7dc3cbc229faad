/**
 * Serves a fetch-style handler with the running runtime's own HTTP server: `Deno.serve`,
 * `Bun.serve` or `node:http`, each loaded only on its own runtime.
 *
 * @module
 */
import type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";

/**
 * Starts the runtime's HTTP server with the handler.
 *
 * @param handler the handler, e.g. a gateway's `fetch`
 * @param options host (default `localhost`) and port (default 8080; 0 picks a free one)
 * @returns the running server
 * @example
 * ```ts
 * import { serve } from "./serve.ts";
 * const server = await serve(() => new Response("hi"), { port: 0 });
 * console.log(server.runtime, server.port); // e.g. deno 40123
 * await server.close();
 * ```
 */
export async function serve(
  handler: FetchHandler,
  options: ServeOptions = {},
): Promise<HttpServer> {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return (await import("./deno.ts")).serveDeno(handler, options);
  if ("Bun" in g) return (await import("./bun.ts")).serveBun(handler, options);
  return await (await import("./node.ts")).serveNode(handler, options);
}
