/**
 * The call context of one request a daemon handles. The correlation id stays
 * in its 16 wire bytes until someone reads it as text, so a call whose code
 * never looks at it pays for neither the text nor a second conversion back
 * for the reply.
 *
 * @module
 */
import type { CallContext } from "../context.ts";
import { bytesToUuid, randomCorrelationBytes, uuidToBytes } from "../protocol/correlation.ts";

/** A {@linkcode CallContext} made from a received request. */
export class RequestContext implements CallContext {
  #idBytes: Uint8Array | null;
  readonly #requestId: Uint8Array | null;
  #idText: string | null | undefined = undefined;
  annotations: Record<string, Uint8Array>;
  responseAnnotations: Record<string, Uint8Array> = {};
  clientSockAddr: string | null;
  seq: number;
  msgFlags: number;
  serializerId: number;
  client: CallContext["client"];

  /**
   * @param correlationId the request's id bytes; null makes a fresh random one, as Pyro5 does
   * @param annotations the request's annotations
   * @param request where the request came from and its header fields
   */
  constructor(
    correlationId: Uint8Array | null,
    annotations: Map<string, Uint8Array>,
    request: {
      clientSockAddr: string;
      seq: number;
      msgFlags: number;
      serializerId: number;
      client: CallContext["client"];
    },
  ) {
    this.#requestId = correlationId;
    this.#idBytes = correlationId ?? randomCorrelationBytes();
    const plain: Record<string, Uint8Array> = {};
    if (annotations.size > 0) {
      for (const [k, v] of annotations) if (k !== "__proto__") plain[k] = v;
    }
    this.annotations = plain;
    this.clientSockAddr = request.clientSockAddr;
    this.seq = request.seq;
    this.msgFlags = request.msgFlags;
    this.serializerId = request.serializerId;
    this.client = request.client;
  }

  /** The correlation id as UUID text; settable, as in Pyro5. */
  get correlationId(): string | null {
    if (this.#idText === undefined) this.#idText = bytesToUuid(this.#idBytes!);
    return this.#idText;
  }

  set correlationId(value: string | null) {
    this.#idText = value;
    this.#idBytes = null;
  }

  /** The id bytes for the reply: the request's own (or the fresh one) unless code set another. */
  correlationBytes(): Uint8Array {
    if (this.#idBytes === null) {
      this.#idBytes = this.#idText
        ? uuidToBytes(this.#idText)
        : this.#requestId ?? randomCorrelationBytes();
    }
    return this.#idBytes;
  }
}
