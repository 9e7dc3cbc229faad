/**
 * Turns PYRONAME and PYROMETA URIs into the PYRO URI of the object, through
 * a name server. Python: `Pyro5.core.resolve`.
 *
 * @module
 */
import type { ConfigItems } from "../config.ts";
import type { Transport } from "../transport/types.ts";
import type { URI } from "../uri.ts";

/**
 * The direct PYRO URI for a proxy's URI.
 *
 * @param uri the URI to resolve
 * @param cfg the proxy's configuration
 * @param transport the proxy's transport
 * @returns the PYRO URI
 */
export async function resolveLocation(
  uri: URI,
  cfg: ConfigItems,
  transport?: unknown,
): Promise<URI> {
  if (uri.protocol === "PYRO") return uri;
  // Loaded on demand: the naming module builds on the proxy itself.
  const { resolve } = await import("../naming/locate.ts");
  return resolve(uri, { config: cfg, transport: transport as Transport | undefined });
}
