/**
 * The facade every dump and load goes through: a format's codec behind the
 * public {@linkcode Serializer} methods, and the re-entrancy guard, written
 * once for all formats. A class converter (`registerClassToDict`) runs in the
 * middle of a dump; should it call the same serializer, that inner dump must
 * not write into the buffer the outer one is filling. So each dump takes a
 * codec that no other dump is using: the serializer's own, or a spare made
 * for the nested call and kept for the next one.
 *
 * Loads need no guard: every decoder keeps its state in the call.
 *
 * @module
 */
import type { Codec, Format } from "./codec.ts";
import type { Call, SerializerOptions } from "./types.ts";

/**
 * A serializer made from a row of the format table, or from a format of your
 * own (a {@linkcode Format} with a {@linkcode Codec}): the `Serializer` methods
 * and the re-entrancy guard come from here.
 *
 * @example
 * ```ts
 * import { FORMATS, FormatSerializer } from "@pyro5/pyro5";
 * const msgpack = new FormatSerializer(FORMATS[3]);
 * msgpack.dumps([1, "a"]); // Uint8Array [0x92, 0x01, 0xa1, 0x61]
 * ```
 */
export class FormatSerializer<N extends string = string> {
  /** The name Pyro uses (`config.SERIALIZER`). */
  readonly name: N;
  /** The id in the message header. */
  readonly id: number;
  readonly #format: Format<N>;
  readonly #options: SerializerOptions;
  /** Codecs no dump is using; the serializer's own is made first. */
  readonly #idle: Codec[];
  /** For loads, which do not need a codec of their own. */
  readonly #reader: Codec;

  /**
   * Creates a serializer of one format.
   *
   * @param format the table row
   * @param options format options and limits
   */
  constructor(format: Format<N>, options: SerializerOptions = {}) {
    this.name = format.name;
    this.id = format.id;
    this.#format = format;
    this.#options = options;
    this.#reader = format.codec(options);
    this.#idle = [this.#reader];
  }

  /** Serializes one value. */
  dumps(value: unknown): Uint8Array {
    const codec = this.#take();
    try {
      return codec.dumps(value, false) as Uint8Array;
    } finally {
      this.#idle.push(codec);
    }
  }

  /** Like dumps, with the output rules of `Serializer.dumpsTransient`. */
  dumpsTransient(value: unknown): Uint8Array | Uint8Array[] {
    const codec = this.#take();
    try {
      return codec.dumps(value, true);
    } finally {
      this.#idle.push(codec);
    }
  }

  /** Deserializes one value; `__class__` dicts are converted by the class registry. */
  loads(data: Uint8Array): unknown {
    return this.#reader.loads(data);
  }

  /** Serializes a call the way Python's `dumpsCall` does for this format. */
  dumpsCall(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array {
    const codec = this.#take();
    try {
      return codec.dumpsCall({ objectId, method, vargs, kwargs }, false) as Uint8Array;
    } finally {
      this.#idle.push(codec);
    }
  }

  /** Like dumpsCall, with the output rules of `Serializer.dumpsTransient`. */
  dumpsCallTransient(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array | Uint8Array[] {
    const codec = this.#take();
    try {
      return codec.dumpsCall({ objectId, method, vargs, kwargs }, true);
    } finally {
      this.#idle.push(codec);
    }
  }

  /** Deserializes a call. */
  loadsCall(data: Uint8Array): Call {
    return this.#reader.loadsCall(data);
  }

  /** A codec for one dump: the idle one, or a new one when a dump is already running. */
  #take(): Codec {
    return this.#idle.pop() ?? this.#format.codec(this.#options);
  }
}
