/**
 * Turns PYRONAME and PYROMETA URIs into the PYRO URI of the object, by asking
 * the name server. Python: `Pyro5.core.resolve`.
 *
 * @module
 */
import { NamingError, PyroError } from "../errors.ts";
import type { ConfigItems } from "../config.ts";
import { URI } from "../uri.ts";

/** The name server's object id. */
export const NAMESERVER_NAME = "Pyro.NameServer";

/** Something that can open connections, passed through to the name server proxy. */
type AnyTransport = unknown;

/**
 * The direct PYRO URI for a URI: itself for PYRO, else a name server lookup.
 * The name server is the one named in the URI, or `NS_HOST:NS_PORT`.
 *
 * @param uri the URI to resolve
 * @param cfg the configuration (NS_HOST, NS_PORT)
 * @param transport the transport for the name server connection
 * @returns the PYRO URI
 */
export async function resolveLocation(
  uri: URI,
  cfg: ConfigItems,
  transport?: AnyTransport,
): Promise<URI> {
  if (uri.protocol === "PYRO") return uri;
  // Imported here: the name server proxy is itself a Proxy.
  const { ProxyCore } = await import("./proxy.ts");
  const host = uri.host ?? cfg.NS_HOST;
  const port = uri.port ?? cfg.NS_PORT;
  const nsUri = uri.sockname
    ? new URI(`PYRO:${NAMESERVER_NAME}@./u:${uri.sockname}`)
    : new URI(`PYRO:${NAMESERVER_NAME}@${host.includes(":") ? `[${host}]` : host}:${port}`);
  const ns = new ProxyCore(nsUri, { config: cfg, transport: transport as never });
  try {
    if (uri.protocol === "PYRONAME") {
      const found = await ns._pyroInvoke("lookup", [uri.object], {});
      return found instanceof URI ? found : new URI(String(found));
    }
    if (uri.protocol === "PYROMETA") {
      const found = await ns._pyroInvoke("yplookup", [], {
        meta_all: [...uri.metadata],
        meta_any: null,
        return_metadata: false,
      }) as Record<string, unknown>;
      const candidates = found instanceof Map ? [...found.values()] : Object.values(found ?? {});
      if (candidates.length === 0) {
        throw new NamingError(
          `no registrations available with desired metadata properties ${[...uri.metadata]}`,
        );
      }
      const pick = candidates[Math.floor(Math.random() * candidates.length)];
      return pick instanceof URI ? pick : new URI(String(pick));
    }
    throw new PyroError("invalid uri protocol");
  } finally {
    await ns._pyroRelease();
  }
}
