/**
 * Transports: the interface the protocol core talks to, the adapters for
 * Deno, Bun and Node, in-memory connections, and the
 * default-transport selection.
 *
 * @example
 * ```ts
 * import { defaultTransport, memoryPair } from "@pyro5/pyro5";
 * const transport = await defaultTransport();
 * const [a, b] = memoryPair();
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { defaultTransport } from "./select.ts";
export { memoryPair, memoryTransport } from "./memory.ts";
export { nodeTransport } from "./node.ts";
export {
  type TlsClientOptions,
  type TlsConfig,
  type TlsServerOptions,
  tlsTransport,
  tlsTransportFromConfig,
} from "./tls.ts";
export { AsyncQueue } from "./queue.ts";
export { streamConnection } from "./streams.ts";
export {
  type WebSocketTransport,
  webSocketTransport,
  type WebSocketTransportOptions,
} from "./websocket.ts";
export { BridgeCloseCode, type BridgeHello, type BridgeReply } from "./websocket_hello.ts";
