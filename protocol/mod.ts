/**
 * The Pyro5 wire protocol: message framing, the push frame decoder, message
 * streams, compression and correlation ids. Internal: not covered by semver.
 *
 * @example
 * ```ts
 * import { encodeMessage, FrameDecoder, MsgType } from "@pyro5/pyro5/protocol";
 * const bytes = encodeMessage({ type: MsgType.PING, serializerId: 42, seq: 0, payload: new TextEncoder().encode("ping") });
 * const [message] = new FrameDecoder().push(bytes);
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./correlation.ts";
export * from "./message.ts";
export * from "./frame_decoder.ts";
export * from "./compression.ts";
export * from "./message_stream.ts";
