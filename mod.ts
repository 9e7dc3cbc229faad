/**
 * Pyro5 (Python Remote Objects) for TypeScript: the wire protocol of Python
 * Pyro5 (version 502) for Deno, Bun and Node 24.
 *
 * This module gathers the public API: the client `Proxy`, the `Daemon`, errors, URIs,
 * configuration, logging, the call context, the four serializers with the
 * class registry, and the transports.
 *
 * @example
 * ```ts
 * import { getSerializer, tuple, URI } from "@pyro5/pyro5";
 *
 * const serpent = getSerializer("serpent");
 * const bytes = serpent.dumps({ point: tuple(1, 2) });
 * console.log(serpent.loads(bytes), String(new URI("PYRO:obj@localhost:9090")));
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export { URI } from "./uri.ts";
export {
  config,
  configFromEnvironment,
  type ConfigItems,
  defaultConfig,
  dumpConfig,
  type EnvironmentAccess,
  readEnvironmentAccess,
  resolveConfig,
} from "./config.ts";
export {
  formatRecord,
  getLogger,
  type Logger,
  type LogHandler,
  LogLevel,
  type LogRecord,
  setLogHandler,
} from "./logging.ts";
export * from "./serializers/mod.ts";
export {
  BatchProxy,
  type BatchProxyConstructor,
  BatchResults,
  type BlobPayload,
  CallOptions,
  callOptions,
  DAEMON_NAME,
  type InvokeOptions,
  ItemStream,
  KwArgs,
  kwargs,
  Proxy,
  type ProxyConstructor,
  ProxyCore,
  type ProxyOptions,
  type Remote,
  type RemoteResult,
  type ReplyInfo,
  type Resolver,
  SerializedBlob,
  setRemoteAttr,
  wrapProxy,
} from "./client.ts";
export {
  type AnyClass,
  behavior,
  type BehaviorOptions,
  ClientConnection,
  Daemon,
  DaemonObject,
  type DaemonObjectHost,
  type DaemonOptions,
  expose,
  exposedMembers,
  type InstanceMode,
  type ItemStreams,
  type Metadata,
  oneway,
  pythonTraceback,
  type RegisterOptions,
  serve,
  type ServeOptions,
} from "./server.ts";
export {
  AUTOCLEAN_GRACE,
  BroadcastResponder,
  locateNS,
  type LocateOptions,
  MemoryStorage,
  NameServer,
  NAMESERVER_NAME,
  type NameServerOptions,
  NameServerProxy,
  type NameStorage,
  type Registration,
  resolve,
  type RunningNameServer,
  SqlStorage,
  startNS,
} from "./naming.ts";
export {
  type CallContext,
  type CurrentContext,
  currentContext,
  newCallContext,
  runWithContext,
  type TrackedResource,
} from "./context.ts";
export {
  type Address,
  BridgeCloseCode,
  type BridgeHello,
  type BridgeReply,
  canListen,
  canResolveNames,
  type Connection,
  type DatagramTransport,
  defaultTransport,
  type Endpoint,
  hasDatagrams,
  type Listener,
  type ListeningTransport,
  type ListenOptions,
  memoryPair,
  memoryTransport,
  type NameResolvingTransport,
  nodeTransport,
  type RuntimeTransport,
  streamConnection,
  type Transport,
  type WebSocketTransport,
  webSocketTransport,
  type WebSocketTransportOptions,
} from "./transport/mod.ts";
