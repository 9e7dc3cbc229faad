/**
 * The four serializers as classes of their own, for code that names one
 * (`new MsgpackSerializer()`). Each is the facade over its row of the format
 * table; a format added later needs no class here, `getSerializer` gives it.
 *
 * @module
 */
import { FormatSerializer } from "./facade.ts";
import { FORMATS } from "./formats.ts";
import type { SerializerOptions } from "./types.ts";

/**
 * Pyro5's serpent serializer (id 1). Python: `Pyro5.serializers.SerpentSerializer`.
 *
 * @example
 * ```ts
 * import { SerpentSerializer } from "@pyro5/pyro5";
 * const serpent = new SerpentSerializer();
 * new TextDecoder().decode(serpent.dumps({ a: [1, 2.5] })); // "# serpent utf-8 python3.2\n{'a':[1,2.5]}"
 * ```
 */
export class SerpentSerializer extends FormatSerializer<"serpent"> {
  /**
   * Creates a serpent serializer.
   * @param options `bytesRepr` (Pyro5's `SERPENT_BYTES_REPR`) and `maxDepth`
   */
  constructor(options: SerializerOptions = {}) {
    super(FORMATS[0], options);
  }
}

/**
 * Pyro5's marshal serializer (id 2). Python: `Pyro5.serializers.MarshalSerializer`.
 *
 * @example
 * ```ts
 * import { MarshalSerializer } from "@pyro5/pyro5";
 * const marshal = new MarshalSerializer();
 * marshal.loads(new Uint8Array([0xe9, 0x2a, 0, 0, 0])); // 42
 * marshal.dumps({ a: [1, 2] }); // 7b 7a01 61 5b02000000 6901000000 6902000000 30
 * ```
 */
export class MarshalSerializer extends FormatSerializer<"marshal"> {
  /**
   * Creates a marshal serializer.
   * @param options `maxDepth`
   */
  constructor(options: SerializerOptions = {}) {
    super(FORMATS[1], options);
  }
}

/**
 * Pyro5's json serializer (id 3). Python: `Pyro5.serializers.JsonSerializer`.
 *
 * @example
 * ```ts
 * import { JsonSerializer } from "@pyro5/pyro5";
 * const json = new JsonSerializer();
 * new TextDecoder().decode(json.dumps({ a: [1, NaN] })); // '{"a": [1, NaN]}'
 * ```
 */
export class JsonSerializer extends FormatSerializer<"json"> {
  /**
   * Creates a json serializer.
   * @param options `maxDepth`
   */
  constructor(options: SerializerOptions = {}) {
    super(FORMATS[2], options);
  }
}

/**
 * Pyro5's msgpack serializer (id 4). Python: `Pyro5.serializers.MsgpackSerializer`.
 *
 * @example
 * ```ts
 * import { MsgpackSerializer } from "@pyro5/pyro5";
 * const msgpack = new MsgpackSerializer();
 * msgpack.dumps([1, "a"]); // Uint8Array [0x92, 0x01, 0xa1, 0x61]
 * ```
 */
export class MsgpackSerializer extends FormatSerializer<"msgpack"> {
  /**
   * Creates a msgpack serializer.
   * @param options `maxDepth`
   */
  constructor(options: SerializerOptions = {}) {
    super(FORMATS[3], options);
  }
}
