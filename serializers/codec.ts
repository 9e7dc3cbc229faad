/**
 * The contract between a format and the rest of the package. A format file
 * gives a {@linkcode Codec}: the bytes of its values and the shape of its calls,
 * nothing more. The table (`formats.ts`) gives it an id and a name, and the
 * facade (`facade.ts`) adds what every format needs the same way: the public
 * `Serializer` methods and the re-entrancy guard.
 *
 * @module
 */
import type { Call, SerializerOptions } from "./types.ts";

/**
 * One format's encoder and decoder. A codec may keep state between calls (a
 * reused buffer): the facade never lets two dumps run in one codec at once.
 */
export interface Codec {
  /**
   * Serializes one value.
   *
   * @param value the value
   * @param transient the output rules of `Serializer.dumpsTransient`; when false, the result
   *   is one array of its own
   */
  dumps(value: unknown, transient: boolean): Uint8Array | Uint8Array[];
  /** Deserializes one value. */
  loads(data: Uint8Array): unknown;
  /**
   * Serializes a call, laid out as this format's Python `dumpsCall` does.
   *
   * @param call the call's parts
   * @param transient as for {@linkcode Codec.dumps}; a transient call also writes `vargs` as
   *   a Python proxy sends them (a tuple where the format has tuples)
   */
  dumpsCall(call: OutgoingCall, transient: boolean): Uint8Array | Uint8Array[];
  /** Deserializes a call of this format's layout. */
  loadsCall(data: Uint8Array): Call;
}

/** The parts of a call to serialize: a {@linkcode Call} whose arguments are not ours to change. */
export interface OutgoingCall {
  /** The object id the call is for. */
  readonly objectId: string;
  /** The method name. */
  readonly method: string;
  /** Positional arguments. */
  readonly vargs: readonly unknown[];
  /** Keyword arguments, or null. */
  readonly kwargs: Record<string, unknown> | null;
}

/** A row of the format table: the header id, the name, and how to make the codec. */
export interface Format<N extends string = string> {
  /** The id in the message header (Python: `serializer_id`). */
  readonly id: number;
  /** The name (`config.SERIALIZER`). */
  readonly name: N;
  /** Makes a codec with these options and limits. */
  readonly codec: (options: SerializerOptions) => Codec;
}
