/**
 * Serves a fetch-style handler with `Deno.serve`.
 *
 * @module
 */
import type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";

interface DenoServer {
  addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

declare const Deno: {
  serve(
    options: { hostname?: string; port?: number; onListen?: (addr: unknown) => void },
    handler: FetchHandler,
  ): DenoServer;
};

/**
 * Starts `Deno.serve` with the handler.
 *
 * @param handler the handler
 * @param options host and port
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
  const server = Deno.serve(
    { hostname: options.hostname ?? "localhost", port: options.port ?? 8080, onListen: () => {} },
    handler,
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
