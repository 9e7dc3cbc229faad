/**
 * The serializers of a `Proxy` or a `Daemon`, made from its own config:
 * `SERPENT_BYTES_REPR` and `MAX_NESTING_DEPTH` are read at each use, so a
 * change to the config takes effect at the next message, as in Pyro5.
 * Serializers with the same options are one shared instance (their codecs
 * keep a 64 KiB buffer; a thousand proxies need not hold a thousand), which
 * the facade's re-entrancy guard makes safe.
 *
 * @module
 */
import type { ConfigItems } from "../config.ts";
import { FormatSerializer } from "./facade.ts";
import { formatOf } from "./formats.ts";
import { DEFAULT_MAX_DEPTH, type Serializer, type SerializerOptions } from "./types.ts";

/** The config items that shape a serializer. */
export type SerializerConfig = Pick<ConfigItems, "SERPENT_BYTES_REPR" | "MAX_NESTING_DEPTH">;

/** Instances by format id, then by options (depth * 2 + bytesRepr). */
const made = new Map<number, Map<number, Serializer>>();

/**
 * The serializer with this name or header id, shaped by these options; one
 * instance per format and options.
 *
 * @param nameOrId a serializer name or header id
 * @param options format options and limits
 * @returns the serializer
 * @throws {SerializeError} for an unknown name or id
 * @example
 * ```ts
 * import { sharedSerializer } from "./configured.ts";
 * sharedSerializer("serpent", { bytesRepr: true }) === sharedSerializer(1, { bytesRepr: true }); // true
 * ```
 */
export function sharedSerializer(
  nameOrId: string | number,
  options: SerializerOptions = {},
): Serializer {
  const format = formatOf(nameOrId);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const key = maxDepth * 2 + (options.bytesRepr ? 1 : 0);
  let byOptions = made.get(format.id);
  if (byOptions === undefined) made.set(format.id, byOptions = new Map());
  let s = byOptions.get(key);
  if (s === undefined) {
    s = new FormatSerializer(format, { bytesRepr: options.bytesRepr, maxDepth }) as Serializer;
    byOptions.set(key, s);
  }
  return s;
}

/**
 * The serializer a `Proxy` or `Daemon` with this config uses for a format.
 *
 * @param config the proxy's or daemon's config
 * @param nameOrId a serializer name or header id
 * @returns the serializer
 * @throws {SerializeError} for an unknown name or id
 * @example
 * ```ts
 * import { defaultConfig } from "../config.ts";
 * import { serializerFor } from "./configured.ts";
 * const config = { ...defaultConfig(), SERPENT_BYTES_REPR: true };
 * serializerFor(config, "serpent").dumps(new Uint8Array([65])); // bytes of "# serpent utf-8 python3.2\nb'A'"
 * ```
 */
export function serializerFor(config: SerializerConfig, nameOrId: string | number): Serializer {
  return sharedSerializer(nameOrId, {
    bytesRepr: config.SERPENT_BYTES_REPR,
    maxDepth: config.MAX_NESTING_DEPTH,
  });
}
