/**
 * Naming: find a name server (`locateNS`), resolve `PYRONAME:`/`PYROMETA:`
 * URIs (`resolve`), the typed name server proxy, and the name server itself
 * (`startNS`) with its storages and broadcast responder. Python:
 * `Pyro5.api.locate_ns`, `resolve`, `Pyro5.nameserver`.
 *
 * @example
 * ```ts
 * import { locateNS, startNS } from "@pyro5/pyro5";
 * const ns = await startNS({ host: "127.0.0.1", port: 0 });
 * const proxy = await locateNS("127.0.0.1", ns.uri.port);
 * console.log(await proxy.count()); // 1: the name server registers itself
 * await proxy._pyroRelease();
 * await ns.close();
 * ```
 *
 * @module
 */
export { locateNS, type LocateOptions, NameServerProxy, resolve } from "./naming/locate.ts";
export {
  AUTOCLEAN_GRACE,
  BroadcastResponder,
  NameServer,
  type NameServerOptions,
  type RunningNameServer,
  startNS,
} from "./naming/nameserver.ts";
export { NAMESERVER_NAME } from "./protocol/constants.ts";
export {
  MemoryStorage,
  type NameStorage,
  type Registration,
  SqlStorage,
} from "./naming/storage.ts";
