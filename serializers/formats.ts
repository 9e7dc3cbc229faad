/**
 * The format table: every serializer Pyro5 knows, listed once. Header ids,
 * names, the `SerializerName` type and {@linkcode SerializerId} all come from
 * it, and `getSerializer` finds formats only here.
 *
 * Adding a format is one file and one line: a file that exports a
 * `Codec` factory (see `codec.ts`; `msgpack.ts` is a compact
 * example), and its row below. The facade then gives it the `Serializer`
 * methods, the re-entrancy guard and the per-config instances; `Proxy` and
 * `Daemon` accept it by name or header id.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import type { Format } from "./codec.ts";
import { jsonCodec } from "./json.ts";
import { marshalCodec } from "./marshal.ts";
import { msgpackCodec } from "./msgpack.ts";
import { serpentCodec } from "./serpent.ts";

/** The formats: the id in the message header, the name (`config.SERIALIZER`), the codec. */
export const FORMATS = [
  { id: 1, name: "serpent", codec: serpentCodec },
  { id: 2, name: "marshal", codec: marshalCodec },
  { id: 3, name: "json", codec: jsonCodec },
  { id: 4, name: "msgpack", codec: msgpackCodec },
] as const satisfies readonly Format[];

/** A serializer name: `"serpent" | "marshal" | "json" | "msgpack"`. */
export type SerializerName = (typeof FORMATS)[number]["name"];

/**
 * Serializer ids as they appear in the message header, by name.
 *
 * @example
 * ```ts
 * import { SerializerId } from "@pyro5/pyro5";
 * SerializerId.msgpack; // 4
 * ```
 */
export const SerializerId: SerializerIds = Object.freeze(
  Object.fromEntries(FORMATS.map((f) => [f.name, f.id])),
) as SerializerIds;

/** The type of {@linkcode SerializerId}: each name's header id. */
export type SerializerIds = {
  readonly [F in (typeof FORMATS)[number] as F["name"]]: F["id"];
};

/** The names, in the table's order. */
export const SERIALIZER_NAMES: readonly SerializerName[] = FORMATS.map((f) => f.name);

const byName = new Map<string, Format>(FORMATS.map((f) => [f.name, f]));
const byId = new Map<number, Format>(FORMATS.map((f) => [f.id, f]));

/**
 * The table row for a name or header id.
 *
 * @param nameOrId a serializer name or header id
 * @returns the row
 * @throws {SerializeError} for an unknown name or id
 * @example
 * ```ts
 * import { formatOf } from "./formats.ts";
 * formatOf(4).name; // "msgpack"
 * ```
 */
export function formatOf(nameOrId: string | number): Format {
  const format = typeof nameOrId === "number" ? byId.get(nameOrId) : byName.get(nameOrId);
  if (format !== undefined) return format;
  throw new SerializeError(
    typeof nameOrId === "number"
      ? `invalid serializer id: ${nameOrId}`
      : `unknown serializer ${JSON.stringify(nameOrId)}: use ${SERIALIZER_NAMES.join(", ")}`,
  );
}
