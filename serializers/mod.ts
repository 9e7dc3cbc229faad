/**
 * Pyro5's four serializers (serpent 1, marshal 2, json 3, msgpack 4), the
 * value types without a JavaScript built-in, and the class registry.
 *
 * How the folder is laid out: `formats.ts` is the table of formats (id, name,
 * codec), from which the ids, the names and the `SerializerName` type come;
 * each format's file (`serpent.ts`, `marshal.ts`, `json.ts`, `msgpack.ts`)
 * gives its codec and lays out its calls; `facade.ts` puts every dump and load
 * behind the `Serializer` methods with one re-entrancy guard; `configured.ts`
 * gives a `Proxy` or `Daemon` the serializers its config asks for. What the
 * formats share is written once: `nesting.ts` (cycles and the depth limit of
 * the writers), `byte_writer.ts` and `byte_reader.ts` (the binary formats'
 * buffer and bounds checks), `call_shape.ts`, `text.ts`, `dict_builder.ts`.
 *
 * A fifth format is one file (its codec) and one line (its row in the table);
 * outside the table, a `Format` of one's own given to `FormatSerializer` makes a
 * serializer with the same methods and guard (that `Proxy` and `Daemon` do not
 * pick, since their peers name formats by the table's ids).
 *
 * @example
 * ```ts
 * import { getSerializer, tuple } from "@pyro5/pyro5";
 * const serpent = getSerializer("serpent");
 * const bytes = serpent.dumps({ point: tuple(1, 2) }); // # serpent utf-8 python3.2\n{'point':(1,2)}
 * console.log(serpent.loads(bytes));
 * ```
 *
 * @module
 */
import { sharedSerializer } from "./configured.ts";
import { FormatSerializer } from "./facade.ts";
import { formatOf } from "./formats.ts";
import type { Serializer, SerializerOptions } from "./types.ts";

export * from "./types.ts";
export { FORMATS, SerializerId, type SerializerIds } from "./formats.ts";
export type { Codec, Format, OutgoingCall } from "./codec.ts";
export { FormatSerializer };
export {
  type ClassToDict,
  classToDict,
  type DictToClass,
  dictToClass,
  errorToDict,
  ExceptionWrapper,
  pythonClassOf,
  registerClassToDict,
  registerDictToClass,
  unregisterClassToDict,
  unregisterDictToClass,
} from "./registry.ts";
export {
  JsonSerializer,
  MarshalSerializer,
  MsgpackSerializer,
  SerpentSerializer,
} from "./classes.ts";

/**
 * The serializer with this name or header id. Without options, one shared
 * instance per serializer; with options, a new one.
 *
 * @param nameOrId `"serpent"`, `"marshal"`, `"json"`, `"msgpack"` or 1..4
 * @param options format options and limits
 * @returns the serializer
 * @throws {SerializeError} for an unknown name or id
 * @example
 * ```ts
 * import { getSerializer } from "@pyro5/pyro5";
 * getSerializer(4).name; // "msgpack"
 * ```
 */
export function getSerializer(nameOrId: string | number, options?: SerializerOptions): Serializer {
  if (options && (options.bytesRepr !== undefined || options.maxDepth !== undefined)) {
    return new FormatSerializer(formatOf(nameOrId), options) as Serializer;
  }
  return sharedSerializer(nameOrId);
}
