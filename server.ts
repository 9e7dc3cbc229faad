/**
 * The server: `Daemon` serves objects to Pyro clients, Python's and ours;
 * `expose`, `oneway` and `behavior` say what clients may reach and how
 * instances are made. Python: `Pyro5.server`.
 *
 * @example
 * ```ts
 * import { Daemon, expose } from "@pyro5/pyro5";
 *
 * class Greeter {
 *   hello(name: string) { return `Hello, ${name}`; }
 * }
 * expose(Greeter);
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * console.log(String(daemon.register(Greeter, "example.greeter")));
 * setTimeout(() => daemon.close(), 100); // a real server would serve until stopped
 * await daemon.requestLoop();
 * ```
 *
 * @module
 */
// Proxies that arrive as call arguments (callbacks) are rebuilt by the client module.
import "./client/remote.ts";

export { Daemon, type DaemonOptions, type RegisterOptions } from "./server/daemon.ts";
export { ClientConnection } from "./server/client_connection.ts";
export { DaemonObject, type DaemonObjectHost, type ItemStreams } from "./server/daemon_object.ts";
export { DAEMON_NAME } from "./protocol/constants.ts";
export {
  type AnyClass,
  behavior,
  type BehaviorOptions,
  expose,
  exposedMembers,
  type InstanceMode,
  isPrivateName,
  type Metadata,
  oneway,
} from "./expose.ts";
export { type Signature } from "./server/signature.ts";
export { pythonTraceback } from "./server/traceback.ts";
export { serve, type ServeOptions } from "./server/serve.ts";
