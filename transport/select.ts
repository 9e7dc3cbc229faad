/**
 * Picks the running runtime's transport by dynamic import, so Deno never
 * loads Bun code and Bun never parses Deno paths. Transports are values passed
 * to `Proxy`/`Daemon`; this only supplies the default.
 *
 * @module
 */
import type { RuntimeTransport } from "./types.ts";

let cached: Promise<RuntimeTransport> | null = null;

/**
 * The transport for the runtime this runs on: Deno's and Bun's native
 * sockets, else `node:net`.
 *
 * @returns the transport (the same one on every call)
 * @example
 * ```ts
 * import { defaultTransport } from "@pyro5/pyro5";
 * const transport = await defaultTransport();
 * console.log(transport.name); // "deno", "bun" or "node"
 * ```
 */
export function defaultTransport(): Promise<RuntimeTransport> {
  cached ??= pick();
  return cached;
}

function pick(): Promise<RuntimeTransport> {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return import("./deno.ts").then((m) => m.denoTransport);
  if ("Bun" in g) return import("./bun.ts").then((m) => m.bunTransport);
  return import("./node.ts").then((m) => m.nodeTransport);
}
