/**
 * The facade every dump and load goes through: a format's codec behind the
 * public {@linkcode Serializer} methods, and the re-entrancy guard, written
 * once for all formats. A class converter (`registerClassToDict`) runs in the
 * middle of a dump; should it call the same serializer, that inner dump must
 * not write into the buffer the outer one is filling. So a dump that starts
 * while another runs goes to a second serializer of the same format, made on
 * first need and kept (which guards itself the same way, for deeper nesting).
 *
 * Loads need no guard: every decoder keeps its state in the call.
 *
 * @module
 */
import type { Codec, Format, OutgoingCall } from "./codec.ts";
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
  readonly #codec: Codec;
  /** True while a dump runs in `#codec`. */
  #busy = false;
  /** Where a dump started during a dump (by a class converter) runs: a serializer of its own. */
  #nested: FormatSerializer<N> | null = null;

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
    this.#codec = format.codec(options);
  }

  /** Serializes one value. */
  dumps(value: unknown): Uint8Array {
    return this.#dump(value, null, false) as Uint8Array;
  }

  /** Like dumps, with the output rules of `Serializer.dumpsTransient`. */
  dumpsTransient(value: unknown): Uint8Array | Uint8Array[] {
    return this.#dump(value, null, true);
  }

  /** Deserializes one value; `__class__` dicts are converted by the class registry. */
  loads(data: Uint8Array): unknown {
    return this.#codec.loads(data);
  }

  /** Serializes a call the way Python's `dumpsCall` does for this format. */
  dumpsCall(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array {
    return this.#dump(null, { objectId, method, vargs, kwargs }, false) as Uint8Array;
  }

  /** Like dumpsCall, with the output rules of `Serializer.dumpsTransient`. */
  dumpsCallTransient(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array | Uint8Array[] {
    return this.#dump(null, { objectId, method, vargs, kwargs }, true);
  }

  /** Deserializes a call. */
  loadsCall(data: Uint8Array): Call {
    return this.#codec.loadsCall(data);
  }

  /** Every dump: in this serializer's codec, or, when one is already running there, elsewhere. */
  #dump(
    value: unknown,
    call: OutgoingCall | null,
    transient: boolean,
  ): Uint8Array | Uint8Array[] {
    if (this.#busy) {
      this.#nested ??= new FormatSerializer(this.#format, this.#options);
      return this.#nested.#dump(value, call, transient);
    }
    this.#busy = true;
    try {
      return call === null
        ? this.#codec.dumps(value, transient)
        : this.#codec.dumpsCall(call, transient);
    } finally {
      this.#busy = false;
    }
  }
}
