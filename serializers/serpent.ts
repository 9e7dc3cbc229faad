/**
 * The serpent format (id 1): Python literal expressions as UTF-8 text,
 * Pyro5's default. Python: `Pyro5.serializers.SerpentSerializer`. The writer
 * is `serpent_writer.ts`, the parser `serpent_parser.ts`.
 *
 * A call is the tuple `(object_id, method, vargs, kwargs)`: `vargs` as given
 * (a `tuple()` as a tuple, a plain array as a list), except in a transient
 * call, which writes it as a tuple as a Python proxy does.
 *
 * @module
 */
import { SerializeError } from "../errors.ts";
import { callFromSequence } from "./call_shape.ts";
import type { Codec, OutgoingCall } from "./codec.ts";
import { SerpentParser } from "./serpent_parser.ts";
import { SERPENT_HEADER, SerpentWriter } from "./serpent_writer.ts";
import { utf8Decoder, utf8Encoder, utf8Pieces, utf8Transient } from "./text.ts";
import { type Call, DEFAULT_MAX_DEPTH, type SerializerOptions, tuple } from "./types.ts";

// Strict like Python's codec, and keeping a byte order mark so that the parser
// refuses it as Python does (Python's codec does not strip it either).

class SerpentCodec implements Codec {
  readonly #writer: SerpentWriter;
  readonly #maxDepth: number;

  constructor(options: SerializerOptions) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#writer = new SerpentWriter({ bytesRepr: options.bytesRepr, maxDepth: this.#maxDepth });
  }

  dumps(value: unknown, transient: boolean): Uint8Array {
    return encode(this.#writer.writePieces(value), transient);
  }

  loads(data: Uint8Array): unknown {
    // Python refuses serpent data with NUL bytes; so do we, before decoding.
    if (data.includes(0)) throw new SerializeError("serpent: data contains a NUL byte");
    let text: string;
    try {
      text = utf8Decoder.decode(data);
    } catch (e) {
      throw new SerializeError("serpent: data is not valid UTF-8", { cause: e });
    }
    return new SerpentParser(text, { maxDepth: this.#maxDepth }).parse();
  }

  dumpsCall(call: OutgoingCall, transient: boolean): Uint8Array {
    const { objectId, method, vargs, kwargs } = call;
    // writeCall writes vargs as a tuple without marking it with tuple() (a slow property
    // definition per call).
    const text = transient
      ? this.#writer.writeCallPieces(objectId, method, vargs, kwargs)
      : this.#writer.writePieces(tuple(objectId, method, vargs, kwargs));
    return encode(text, transient);
  }

  loadsCall(data: Uint8Array): Call {
    return callFromSequence(this.loads(data));
  }
}

function encode(text: string | string[], transient: boolean): Uint8Array {
  if (typeof text !== "string") {
    text[0] = SERPENT_HEADER + text[0];
    return utf8Pieces(text);
  }
  text = SERPENT_HEADER + text;
  return transient ? utf8Transient(text) : utf8Encoder.encode(text);
}

/**
 * The serpent codec, for the format table.
 *
 * @param options `bytesRepr` (Pyro5's `SERPENT_BYTES_REPR`) and `maxDepth`
 * @returns a codec
 */
export function serpentCodec(options: SerializerOptions): Codec {
  return new SerpentCodec(options);
}
