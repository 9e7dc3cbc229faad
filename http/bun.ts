/**
 * Serves a fetch-style handler with `Bun.serve`.
 *
 * @module
 */
import type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";

interface BunServer {
  hostname: string;
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

declare const Bun: {
  serve(options: {
    hostname?: string;
    port?: number;
    idleTimeout?: number;
    fetch: FetchHandler;
  }): BunServer;
};

/**
 * Starts `Bun.serve` with the handler.
 *
 * @param handler the handler
 * @param options host and port
 * @returns the running server
 * @example
 * ```ts
 * import { serveBun } from "./bun.ts";
 * // Only on Bun (`serve` from ./serve.ts picks the runtime's own server).
 * if ("Bun" in globalThis) await serveBun(() => new Response("hi"), { port: 0 }).close();
 * ```
 */
export function serveBun(handler: FetchHandler, options: ServeOptions = {}): HttpServer {
  // idleTimeout 0: a Pyro call may take longer than Bun's default 10 s.
  const server = Bun.serve({
    hostname: options.hostname ?? "localhost",
    port: options.port ?? 8080,
    idleTimeout: 0,
    fetch: handler,
  });
  return {
    hostname: server.hostname,
    port: server.port,
    runtime: "bun",
    async close() {
      await server.stop(true);
    },
  };
}
