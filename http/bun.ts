/**
 * Serves a fetch-style handler with `Bun.serve`, and a WebSocket endpoint beside it with
 * `server.upgrade` and Bun's `websocket` handlers.
 *
 * @module
 */
import type { FetchHandler, HttpServer, ServeOptions } from "./types.ts";
import type { Accepted, SocketHandlers, WebSocketEndpoint } from "./ws_types.ts";

interface BunServer {
  hostname: string;
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  upgrade(request: Request, options: { data: SocketData; headers?: HeadersInit }): boolean;
  requestIP(request: Request): { address: string } | null;
}

interface SocketData {
  accepted: Accepted;
  handlers: SocketHandlers | null;
}

interface BunWebSocket {
  data: SocketData;
  send(data: Uint8Array | string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

declare const Bun: {
  serve(options: {
    hostname?: string;
    port?: number;
    idleTimeout?: number;
    fetch(request: Request, server: BunServer): Response | Promise<Response> | undefined;
    websocket?: {
      maxPayloadLength?: number;
      open(ws: BunWebSocket): void;
      message(ws: BunWebSocket, message: string | Uint8Array): void;
      close(ws: BunWebSocket, code: number, reason: string): void;
      drain(ws: BunWebSocket): void;
    };
  }): BunServer;
};

/** Bun's handlers for the endpoint's sockets: each socket's own handlers live in its data. */
function websocketHandlers(endpoint: WebSocketEndpoint) {
  return {
    // Bun refuses a larger message itself (close 1009) before buffering all of it.
    maxPayloadLength: endpoint.maxMessageSize,
    open(ws: BunWebSocket) {
      ws.data.handlers = ws.data.accepted.open({
        send: (data) => void ws.send(data),
        get bufferedAmount() {
          return ws.getBufferedAmount();
        },
        close: (code, reason) => ws.close(code, reason),
      });
    },
    message(ws: BunWebSocket, message: string | Uint8Array) {
      ws.data.handlers?.message(
        typeof message === "string"
          ? message
          : new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      );
    },
    close(ws: BunWebSocket, code: number, reason: string) {
      ws.data.handlers?.close(code, reason);
    },
    drain(ws: BunWebSocket) {
      ws.data.handlers?.drain?.();
    },
  };
}

/**
 * Starts `Bun.serve` with the handler.
 *
 * @param handler the handler
 * @param options host, port, and a WebSocket endpoint
 * @returns the running server
 * @example
 * ```ts
 * import { serveBun } from "./bun.ts";
 * // Only on Bun (`serve` from ./serve.ts picks the runtime's own server).
 * if ("Bun" in globalThis) await serveBun(() => new Response("hi"), { port: 0 }).close();
 * ```
 */
export function serveBun(handler: FetchHandler, options: ServeOptions = {}): HttpServer {
  const endpoint = options.webSocket;
  // idleTimeout 0: a Pyro call may take longer than Bun's default 10 s.
  const server = Bun.serve({
    hostname: options.hostname ?? "localhost",
    port: options.port ?? 8080,
    idleTimeout: 0,
    fetch(request, server) {
      if (endpoint && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        const accepted = endpoint.upgrade(request, server.requestIP(request)?.address ?? "");
        if (accepted instanceof Response) return accepted;
        if (accepted) {
          const headers = accepted.protocol
            ? { "Sec-WebSocket-Protocol": accepted.protocol }
            : undefined;
          if (server.upgrade(request, { data: { accepted, handlers: null }, headers })) return;
          return new Response("WebSocket upgrade failed", { status: 400 });
        }
      }
      return handler(request);
    },
    websocket: endpoint ? websocketHandlers(endpoint) : undefined,
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
