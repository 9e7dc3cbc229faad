/**
 * Picks the running runtime's transport by dynamic import, so Deno never
 * loads Node code paths it does not need and other runtimes never parse Deno paths. Transports are values passed
 * to `Proxy`/`Daemon`; this only supplies the default.
 *
 * @module
 */
import type { Transport } from "./types.ts";

let cached: Promise<Transport> | null = null;

/**
 * The transport for the runtime this runs on: Deno's native sockets on
 * Deno, `node:net` on Node and on Bun (whose `node:net` is native to Bun).
 *
 * @returns the transport (the same one on every call)
 * @example
 * ```ts
 * import { defaultTransport } from "./select.ts";
 * const transport = await defaultTransport();
 * console.log(transport.name); // "deno" or "node"
 * ```
 */
export function defaultTransport(): Promise<Transport> {
  cached ??= pick();
  return cached;
}

function pick(): Promise<Transport> {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return import("./deno.ts").then((m) => m.denoTransport);
  return import("./node.ts").then((m) => m.nodeTransport);
}
