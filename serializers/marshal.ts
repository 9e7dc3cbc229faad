/**
 * The marshal serializer (id 2): CPython's `marshal` format with Pyro5's
 * conventions. The reader (`marshal_reader.ts`, the format table is there)
 * takes everything CPython 3 writes, back-references included, and refuses
 * code objects; the writer (`marshal_writer.ts`) writes the codes CPython
 * picks, without back-references.
 * Python: `Pyro5.serializers.MarshalSerializer`.
 *
 * Where we differ from Python, on purpose: objects nested inside containers
 * are converted through the class registry like top-level ones (Python
 * raises `ValueError('unmarshallable object')`); a `Date` becomes ISO text
 * (Python's marshal refuses datetimes); a call with `kwargs` null is sent
 * with `None` (Python's client crashes on it, its server accepts it); dicts
 * of unknown classes are returned as they are (Python raises).
 *
 * @module
 */
import { readMarshal } from "./marshal_reader.ts";
import { MarshalWriter } from "./marshal_writer.ts";
import { type Call, DEFAULT_MAX_DEPTH, type Serializer, tuple } from "./types.ts";
import { callFromValue } from "./serpent.ts";

/** Options of the marshal serializer. */
export interface MarshalOptions {
  /** Deepest container nesting accepted, both ways (default 1000). */
  maxDepth?: number;
}

/**
 * Pyro5's marshal serializer.
 *
 * @example
 * ```ts
 * import { MarshalSerializer } from "@pyro5/pyro5";
 * const marshal = new MarshalSerializer();
 * marshal.loads(new Uint8Array([0xe9, 0x2a, 0, 0, 0])); // 42
 * marshal.dumps({ a: [1, 2] }); // 7b 7a01 61 5b02000000 6901000000 6902000000 30
 * ```
 */
export class MarshalSerializer implements Serializer {
  /** The serializer name. */
  readonly name = "marshal" as const;
  /** The header id. */
  readonly id = 2;
  readonly #maxDepth: number;
  readonly #writer: MarshalWriter;

  /**
   * Creates an instance.
   * @param options see {@linkcode MarshalOptions}
   */
  constructor(options: MarshalOptions = {}) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#writer = new MarshalWriter({ maxDepth: this.#maxDepth });
  }

  /**
   * Serializes one value. Python: `MarshalSerializer.dumps`.
   *
   * @param value a value of the README's type mapping
   * @returns the marshal bytes
   * @throws SerializeError for functions, symbols, cycles and too deep nesting
   * @example
   * ```ts
   * import { MarshalSerializer } from "./marshal.ts";
   * new MarshalSerializer().dumps("hi"); // 7a 02 68 69
   * ```
   */
  dumps(value: unknown): Uint8Array {
    // A class converter that calls back into this serializer gets its own writer.
    const writer = this.#writer.busy
      ? new MarshalWriter({ maxDepth: this.#maxDepth })
      : this.#writer;
    return writer.write(value);
  }

  /** Like dumps, with the output rules of {@linkcode Serializer.dumpsTransient}. */
  dumpsTransient(value: unknown): Uint8Array | Uint8Array[] {
    return this.#writer.busy ? this.dumps(value) : this.#writer.write(value, true);
  }

  /**
   * Deserializes one value. Python: `MarshalSerializer.loads`.
   *
   * @param data the marshal bytes
   * @returns the value; `__class__` dicts converted by the class registry
   * @throws SerializeError for bad, truncated or hostile data
   * @example
   * ```ts
   * import { MarshalSerializer } from "./marshal.ts";
   * new MarshalSerializer().loads(new Uint8Array([0x29, 0x01, 0x4e])); // [null]
   * ```
   */
  loads(data: Uint8Array): unknown {
    return readMarshal(data, { maxDepth: this.#maxDepth });
  }

  /**
   * Serializes a call as Pyro5 does: the tuple `(object_id, method, vargs_list, kwargs)`.
   *
   * @param objectId the object id
   * @param method the method name
   * @param vargs positional arguments (sent as a list)
   * @param kwargs keyword arguments, or null (sent as `None`)
   * @returns the marshal bytes
   * @example
   * ```ts
   * import { MarshalSerializer } from "./marshal.ts";
   * new MarshalSerializer().dumpsCall("obj_1", "add", [1], { b: 2 });
   * ```
   */
  dumpsCall(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array {
    return this.dumps(tuple(objectId, method, [...vargs], kwargs));
  }

  /** Like dumpsCall, with the output rules of {@linkcode Serializer.dumpsTransient}. */
  dumpsCallTransient(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array | Uint8Array[] {
    return this.dumpsTransient(tuple(objectId, method, [...vargs], kwargs));
  }

  /**
   * Deserializes a call. Python: `MarshalSerializer.loadsCall`.
   *
   * @param data the marshal bytes of `(object_id, method, vargs, kwargs)`
   * @returns the call
   * @throws SerializeError when the data is not such a tuple
   * @example
   * ```ts
   * import { MarshalSerializer } from "./marshal.ts";
   * const marshal = new MarshalSerializer();
   * marshal.loadsCall(marshal.dumpsCall("obj_1", "ping", [], {})).method; // "ping"
   * ```
   */
  loadsCall(data: Uint8Array): Call {
    return callFromValue(this.loads(data));
  }
}
