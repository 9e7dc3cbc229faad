/**
 * The serpent serializer (id 1): Python literal expressions as UTF-8 text,
 * Pyro5's default. Python: `Pyro5.serializers.SerpentSerializer`.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { SerpentParser } from "./serpent_parser.ts";
import { SERPENT_HEADER, SerpentWriter } from "./serpent_writer.ts";
import { utf8Encoder, utf8Transient } from "./text.ts";
import { type Call, DEFAULT_MAX_DEPTH, type Serializer, tuple } from "./types.ts";

// Strict like Python's codec, and keeping a byte order mark so that the parser
// refuses it as Python does (Python's codec does not strip it either).
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Options of the serpent serializer. */
export interface SerpentOptions {
  /** Write bytes as `b'...'` literals (Pyro5's `SERPENT_BYTES_REPR`). */
  bytesRepr?: boolean;
  /** Deepest nesting accepted, both ways. */
  maxDepth?: number;
}

/**
 * Pyro5's serpent serializer.
 *
 * @example
 * ```ts
 * import { SerpentSerializer } from "@pyro5/pyro5";
 * const serpent = new SerpentSerializer();
 * new TextDecoder().decode(serpent.dumps({ a: [1, 2.5] })); // "# serpent utf-8 python3.2\n{'a':[1,2.5]}"
 * ```
 */
export class SerpentSerializer implements Serializer {
  /** The serializer name. */
  readonly name = "serpent" as const;
  /** The header id. */
  readonly id = 1;
  readonly #writer: SerpentWriter;
  readonly #maxDepth: number;

  /**
   * Creates a serpent serializer.
   *
   * @param options see {@linkcode SerpentOptions}
   */
  constructor(options: SerpentOptions = {}) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#writer = new SerpentWriter({ bytesRepr: options.bytesRepr, maxDepth: this.#maxDepth });
  }

  /**
   * Serializes one value: the header line, then a Python literal expression.
   *
   * @param value the value (see the type mapping in the README)
   * @returns UTF-8 serpent bytes
   * @example
   * ```ts
   * import { SerpentSerializer } from "./serpent.ts";
   * new SerpentSerializer().dumps([1, "a"]); // bytes of "# serpent utf-8 python3.2\n[1,'a']"
   * ```
   */
  dumps(value: unknown): Uint8Array {
    return utf8Encoder.encode(SERPENT_HEADER + this.#writer.write(value));
  }

  /** Like dumps, with the output rules of {@linkcode Serializer.dumpsTransient}. */
  dumpsTransient(value: unknown): Uint8Array {
    return utf8Transient(SERPENT_HEADER + this.#writer.write(value));
  }

  /**
   * Deserializes one value. Only literals are read, nothing is evaluated.
   *
   * @param data UTF-8 serpent bytes (the header line is optional)
   * @returns the value
   * @throws {SerializeError} on anything that is not a Python literal, with the offset
   * @example
   * ```ts
   * import { SerpentSerializer } from "./serpent.ts";
   * new SerpentSerializer().loads(new TextEncoder().encode("(1, 'a')")); // [1, "a"]
   * ```
   */
  loads(data: Uint8Array): unknown {
    return new SerpentParser(this.#text(data), { maxDepth: this.#maxDepth }).parse();
  }

  /**
   * Serializes a call: `(object_id, method, vargs, kwargs)`. `vargs` is written
   * as given: a `tuple()` as a tuple (what a Python proxy sends for ordinary
   * calls), a plain array as a list.
   *
   * @param objectId the object id
   * @param method the method name
   * @param vargs positional arguments
   * @param kwargs keyword arguments, or null
   * @returns UTF-8 serpent bytes
   * @example
   * ```ts
   * import { SerpentSerializer } from "./serpent.ts";
   * import { tuple } from "./types.ts";
   * new SerpentSerializer().dumpsCall("obj", "add", tuple(1, 2), {});
   * // bytes of "# serpent utf-8 python3.2\n('obj','add',(1,2),{})"
   * ```
   */
  dumpsCall(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array {
    return this.dumps(tuple(objectId, method, vargs, kwargs));
  }

  /**
   * Like dumpsCall, with the output rules of {@linkcode Serializer.dumpsTransient}; `vargs` is
   * always written as a tuple, as a Python proxy sends it.
   */
  dumpsCallTransient(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array {
    return utf8Transient(SERPENT_HEADER + this.#writer.writeCall(objectId, method, vargs, kwargs));
  }

  /**
   * Deserializes a call.
   *
   * @param data UTF-8 serpent bytes of `(object_id, method, vargs, kwargs)`
   * @returns the call, vargs as an array and kwargs as a plain object or null
   * @throws {SerializeError} when the data is not a call of that shape
   * @example
   * ```ts
   * import { SerpentSerializer } from "./serpent.ts";
   * const serpent = new SerpentSerializer();
   * serpent.loadsCall(serpent.dumpsCall("obj", "add", [1], null)).method; // "add"
   * ```
   */
  loadsCall(data: Uint8Array): Call {
    return callFromValue(this.loads(data));
  }

  #text(data: Uint8Array): string {
    // Python refuses serpent data with NUL bytes; so do we, before decoding.
    if (data.includes(0)) throw new SerializeError("serpent: data contains a NUL byte");
    try {
      return utf8Decoder.decode(data);
    } catch (e) {
      throw new SerializeError("serpent: data is not valid UTF-8", { cause: e });
    }
  }
}

/**
 * Checks the shape of a decoded `(object_id, method, vargs, kwargs)` call
 * (shared by the serializers whose calls are one such sequence).
 *
 * @param value the decoded value
 * @returns the call
 * @throws {SerializeError} when the value is not a call of that shape
 * @example
 * ```ts
 * import { callFromValue } from "./serpent.ts";
 * callFromValue(["obj", "m", [1], null]); // { objectId: "obj", method: "m", vargs: [1], kwargs: null }
 * ```
 */
export function callFromValue(value: unknown): Call {
  if (!Array.isArray(value) || value.length !== 4) {
    throw new SerializeError("invalid call: expected (object_id, method, vargs, kwargs)");
  }
  const [objectId, method, vargs, kwargs] = value;
  if (typeof objectId !== "string" || typeof method !== "string") {
    throw new SerializeError("invalid call: object id and method must be strings");
  }
  if (!Array.isArray(vargs)) {
    throw new SerializeError("invalid call: vargs must be a list or tuple");
  }
  if (
    kwargs !== null &&
    (typeof kwargs !== "object" || Array.isArray(kwargs) || kwargs instanceof Map)
  ) {
    throw new SerializeError("invalid call: kwargs must be a dict with string keys, or None");
  }
  return { objectId, method, vargs, kwargs: kwargs as Record<string, unknown> | null };
}
