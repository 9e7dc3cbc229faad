/**
 * The client for web pages: what `tools/build_browser.ts` bundles into the one ES module the
 * gateway serves at `/pyro/pyro5.js`. A page reaches daemons through the gateway's WebSocket
 * bridge: `Proxy` with {@linkcode webSocketTransport}.
 *
 * @example
 * ```ts
 * import { Proxy, webSocketTransport } from "./browser.ts";
 * // In a page: `import { Proxy, webSocketTransport } from "/pyro/pyro5.js"`, and the bridge's
 * // URL from the page's own, e.g. new URL("/pyro/ws", location.href) with ws: for http:.
 * const transport = webSocketTransport("ws://localhost:8080/pyro/ws");
 * const thing = new Proxy("PYRONAME:example.thing", { transport });
 * ```
 *
 * @module
 */
export * from "./client.ts";
export * from "./errors.ts";
export { URI } from "./uri.ts";
export { type CurrentContext, currentContext } from "./context.ts";
export {
  type WebSocketTransport,
  webSocketTransport,
  type WebSocketTransportOptions,
} from "./transport/websocket.ts";
export { BridgeCloseCode } from "./transport/websocket_hello.ts";
export { getSerializer, type Serializer } from "./serializers/mod.ts";
