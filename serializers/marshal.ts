/**
 * The marshal format (id 2): CPython's `marshal` format with Pyro5's
 * conventions. The reader (`marshal_reader.ts`, the format table is there)
 * takes everything CPython 3 writes, back-references included, and refuses
 * code objects; the writer (`marshal_writer.ts`) writes the codes CPython
 * picks, without back-references.
 * Python: `Pyro5.serializers.MarshalSerializer`.
 *
 * A call is the tuple `(object_id, method, vargs_list, kwargs)`, `vargs` a list as
 * Pyro5 sends it.
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
import { callFromSequence } from "./call_shape.ts";
import type { Codec, OutgoingCall } from "./codec.ts";
import { readMarshal } from "./marshal_reader.ts";
import { MarshalWriter } from "./marshal_writer.ts";
import { type Call, DEFAULT_MAX_DEPTH, type SerializerOptions, tuple } from "./types.ts";

class MarshalCodec implements Codec {
  readonly #maxDepth: number;
  readonly #writer: MarshalWriter;

  constructor(options: SerializerOptions) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#writer = new MarshalWriter({ maxDepth: this.#maxDepth });
  }

  dumps(value: unknown, transient: boolean): Uint8Array | Uint8Array[] {
    return transient ? this.#writer.write(value, true) : this.#writer.write(value);
  }

  loads(data: Uint8Array): unknown {
    return readMarshal(data, { maxDepth: this.#maxDepth });
  }

  dumpsCall(call: OutgoingCall, transient: boolean): Uint8Array | Uint8Array[] {
    const { objectId, method, vargs, kwargs } = call;
    return this.dumps(tuple(objectId, method, [...vargs], kwargs), transient);
  }

  loadsCall(data: Uint8Array): Call {
    return callFromSequence(this.loads(data));
  }
}

/**
 * The marshal codec, for the format table.
 *
 * @param options `maxDepth`
 * @returns a codec
 */
export function marshalCodec(options: SerializerOptions): Codec {
  return new MarshalCodec(options);
}
