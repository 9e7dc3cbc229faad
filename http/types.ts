/**
 * What the per-runtime HTTP servers share.
 *
 * @module
 */

import type { WebSocketEndpoint } from "./ws_types.ts";

/** A fetch-style handler. */
export type FetchHandler = (request: Request) => Promise<Response> | Response;

/** Where to listen. */
export interface ServeOptions {
  /** The host name or address (default `localhost`). */
  hostname?: string;
  /** The port; 0 picks a free one (default 8080). */
  port?: number;
  /** A WebSocket endpoint served beside the handler (the gateway's bridge); none by default. */
  webSocket?: WebSocketEndpoint;
}

/** A running HTTP server. */
export interface HttpServer {
  /** The address it listens on. */
  readonly hostname: string;
  /** The port it listens on. */
  readonly port: number;
  /** Which runtime's server this is. */
  readonly runtime: "deno" | "bun" | "node";
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}
