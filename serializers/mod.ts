/**
 * Pyro5's four serializers (serpent 1, marshal 2, json 3, msgpack 4), the
 * value types without a JavaScript built-in, and the class registry.
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
import { SerializeError } from "../errors.ts";
import { JsonSerializer } from "./json.ts";
import { MarshalSerializer } from "./marshal.ts";
import { MsgpackSerializer } from "./msgpack.ts";
import { SerpentSerializer } from "./serpent.ts";
import type { Serializer, SerializerName } from "./types.ts";

export * from "./types.ts";
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
export { JsonSerializer, MarshalSerializer, MsgpackSerializer, SerpentSerializer };

/** Options that shape a serializer: `bytesRepr` is serpent's `SERPENT_BYTES_REPR`. */
export interface SerializerOptions {
  /** Serpent: write bytes as `b'...'` literals instead of base64 dicts. */
  bytesRepr?: boolean;
  /** Deepest nesting accepted when decoding. */
  maxDepth?: number;
}

const byId: Record<number, SerializerName> = {
  1: "serpent",
  2: "marshal",
  3: "json",
  4: "msgpack",
};
const shared = new Map<string, Serializer>();

function create(name: SerializerName, options: SerializerOptions): Serializer {
  switch (name) {
    case "serpent":
      return new SerpentSerializer(options);
    case "marshal":
      return new MarshalSerializer(options);
    case "json":
      return new JsonSerializer(options);
    case "msgpack":
      return new MsgpackSerializer(options);
  }
}

/**
 * The serializer with this name or header id. Without options, one shared
 * instance per serializer.
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
  const name = typeof nameOrId === "number" ? byId[nameOrId] : nameOrId;
  if (name !== "serpent" && name !== "marshal" && name !== "json" && name !== "msgpack") {
    throw new SerializeError(
      typeof nameOrId === "number"
        ? `invalid serializer id: ${nameOrId}`
        : `unknown serializer ${JSON.stringify(nameOrId)}: use serpent, marshal, json or msgpack`,
    );
  }
  if (options && (options.bytesRepr !== undefined || options.maxDepth !== undefined)) {
    return create(name, options);
  }
  let s = shared.get(name);
  if (!s) shared.set(name, s = create(name, {}));
  return s;
}
