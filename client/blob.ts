/**
 * `SerializedBlob`: call data that a dispatcher passes on without
 * deserializing it (the KEEPSERIALIZED flag). Python: `Pyro5.client.SerializedBlob`.
 *
 * @module
 */
import { getSerializer } from "../serializers/mod.ts";

/** A serialized call payload and the serializer that wrote it. */
export interface BlobPayload {
  /** The serializer id. */
  serializerId: number;
  /** The serialized `(object, method, data, kwargs)` call. */
  bytes: Uint8Array;
}

/**
 * Data that travels serialized: pass it as the only argument of a remote call.
 * The daemon hands the method a blob whose `deserialized()` gives `data` back.
 *
 * @example
 * ```ts
 * import { Daemon, expose, Proxy, SerializedBlob } from "@pyro5/pyro5";
 * const dispatcher = expose({ process_blob: (blob: SerializedBlob) => [blob.info, blob.deserialized()] });
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * await using proxy = new Proxy(daemon.register(dispatcher));
 * console.log(await proxy.process_blob(new SerializedBlob("topic-1", ["payload", 42])));
 * ```
 */
export class SerializedBlob {
  /** Small descriptive data about the blob (an id or a name); must be marshallable. */
  readonly info: unknown;
  /** The serialized call this blob carries when it came from the wire, else null. */
  readonly payload: BlobPayload | null;
  readonly #data: unknown;

  /**
   * Wraps data to send serialized.
   *
   * @param info what the blob is (sent marshalled in the BLBI annotation)
   * @param data the call data; a list, as it takes the place of the call's arguments
   * @param payload a received serialized call to forward unchanged instead of `data`
   */
  constructor(info: unknown, data: unknown, payload: BlobPayload | null = null) {
    this.info = info;
    this.#data = data;
    this.payload = payload;
  }

  /** The data, deserialized when it is still serialized. */
  deserialized(): unknown {
    if (!this.payload) return this.#data;
    return getSerializer(this.payload.serializerId).loadsCall(this.payload.bytes).vargs;
  }
}
