/**
 * The client: `Proxy` for calling remote objects, `BatchProxy` for batched
 * calls, remote iterators as async iterables. Python: `Pyro5.client`.
 *
 * @example
 * ```ts
 * import { Daemon, expose, kwargs, Proxy } from "@pyro5/pyro5";
 *
 * // A server to talk to (usually a Python one, found with "PYRONAME:example.greeting").
 * class Greeter {
 *   get_fortune(name: string) {
 *     return `Hello, ${name}.`;
 *   }
 *   configure(a: number, b: number, verbose = false) { // keyword arguments bind by name
 *     return [a, b, verbose];
 *   }
 *   *lines(n: number) {
 *     for (let i = 0; i < n; i++) yield `line ${i}`;
 *   }
 * }
 * expose(Greeter);
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * const uri = daemon.register(Greeter, "example.greeting");
 * void daemon.requestLoop();
 *
 * await using greeter = new Proxy(uri);
 * console.log(await greeter.get_fortune("Alice"));
 * console.log(await greeter.configure(1, 2, kwargs({ verbose: true })));
 * for await (const line of await greeter.lines(3)) console.log(line);
 * ```
 *
 * @module
 */
export {
  BatchProxy,
  type BatchProxyConstructor,
  BatchResults,
  CallOptions,
  callOptions,
  Proxy,
  type ProxyConstructor,
  type Remote,
  type RemoteResult,
  setRemoteAttr,
  wrapProxy,
} from "./client/remote.ts";
export {
  type InvokeOptions,
  ProxyCore,
  type ProxyOptions,
  type ReplyInfo,
  type Resolver,
} from "./client/proxy.ts";
export { DAEMON_NAME } from "./protocol/constants.ts";
export { KwArgs, kwargs } from "./client/kwargs.ts";
export { ItemStream } from "./client/stream.ts";
export { type BlobPayload, SerializedBlob } from "./client/blob.ts";
