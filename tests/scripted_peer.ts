/**
 * A scripted peer: replays a conversation recorded from Python Pyro5 (`tests/vectors/messages.json`)
 * against a daemon, with no Python and no network. Each client-to-server message is written
 * exactly as Python sent it; each server-to-client message is read with our frame decoder and
 * paired with the one Python's daemon sent at that point, for the test to compare.
 *
 * One rewrite is made, and only because the vectors cannot know it: a stream id. Python's
 * daemon named its streams `00000000-...-00000000002b` (the generator patched uuid4); ours names
 * them at random. Once a reply carries a `STRM` annotation, later requests get the recorded id
 * replaced by ours, byte for byte (both are 36 characters, so no size in any header changes).
 *
 * After the script, the peer sends a PING on every connection still open and reads up to its
 * echo: anything before it is a reply Python's daemon did not send (`extra`). A connection the
 * daemon closed instead is reported as `ended`.
 *
 * @module
 */
import {
  Annotation,
  encodeMessage,
  FrameDecoder,
  MsgType,
  type RawMessage,
} from "../protocol/mod.ts";
import type { Connection } from "../transport/types.ts";
import { fromHex, toHex } from "./helpers.ts";

/** One message of a recorded scenario, as `gen_vectors.py` describes it. */
export interface RecordedMessage {
  direction: "c2s" | "s2c";
  connection: number;
  type: number;
  type_name: string;
  serializer_id: number;
  flags: number;
  seq: number;
  correlation_id: string;
  /** Annotation id to hex. */
  annotations: Record<string, string>;
  payload_hex: string;
  /** The payload inflated, for a COMPRESSED message. */
  payload_decompressed_hex?: string;
  /** The exact bytes on the wire. */
  full_hex: string;
}

/** A recorded scenario: `{description, notes, messages}`. */
export interface Scenario {
  description: string;
  notes: Record<string, unknown>;
  messages: RecordedMessage[];
}

/** A message the daemon sent: decoded (payload still compressed when COMPRESSED) and its bytes. */
export interface Received {
  message: RawMessage;
  bytes: Uint8Array;
}

/** A recorded reply and the one our daemon sent in its place (null: none came). */
export interface ReplyPair {
  /** Index of the recorded message in the scenario. */
  index: number;
  recorded: RecordedMessage;
  /** The request this replies to: the latest c2s message of that connection with its seq. */
  request: RecordedMessage | undefined;
  received: Received | null;
}

/** What a replay gives back. */
export interface Replay {
  pairs: ReplyPair[];
  /** Per connection: replies our daemon sent beyond the recorded ones. */
  extra: Map<number, Received[]>;
  /** Per connection: true when the daemon closed it (instead of answering the final PING). */
  ended: Map<number, boolean>;
}

/** Options of {@linkcode replay}. */
export interface ReplayOptions {
  /** Write each message in chunks of this many bytes (1: byte by byte); whole by default. */
  chunkSize?: number;
  /** How long to wait for one reply before failing, in ms (default 5000). */
  timeoutMs?: number;
}

/** Reads whole messages from one connection with our push decoder, keeping their bytes. */
class PeerReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new FrameDecoder();
  readonly #queue: Received[] = [];
  #bytes: number[] = [];
  #done = false;

  constructor(connection: Connection) {
    this.#reader = connection.readable.getReader();
  }

  /** The next message, or null once the daemon closed the connection. */
  async next(timeoutMs: number, what: string): Promise<Received | null> {
    while (this.#queue.length === 0) {
      if (this.#done) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no reply in ${timeoutMs} ms: ${what}`)),
          timeoutMs,
        );
      });
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await Promise.race([this.#reader.read(), timeout]);
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        this.#done = true;
        this.#decoder.end(); // throws when the stream ended inside a message
        return null;
      }
      for (const b of result.value) this.#bytes.push(b);
      for (const message of this.#decoder.push(result.value)) {
        let size = 40 + message.payload.length;
        for (const value of message.annotations.values()) size += 8 + value.length;
        this.#queue.push({ message, bytes: Uint8Array.from(this.#bytes.splice(0, size)) });
      }
    }
    return this.#queue.shift()!;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

/** `bytes` with every occurrence of `from` replaced by `to` (same length). */
function replaceBytes(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const out = bytes.slice();
  outer: for (let i = 0; i + from.length <= out.length; i++) {
    for (let j = 0; j < from.length; j++) if (out[i + j] !== from[j]) continue outer;
    out.set(to, i);
    i += from.length - 1;
  }
  return out;
}

async function writeChunked(connection: Connection, bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) await connection.write(bytes.subarray(i, i + size));
}

const FINAL_PING = encodeMessage({
  type: MsgType.PING,
  serializerId: 42,
  seq: 0xfffe,
  payload: new TextEncoder().encode("ping"),
});

/**
 * Replays a scenario against a daemon.
 *
 * @param scenario the recorded conversation
 * @param connect opens a new connection to the daemon (called once per recorded connection)
 * @param options chunking and timeout
 * @returns each recorded reply paired with ours, plus any extra replies
 */
export async function replay(
  scenario: Scenario,
  connect: () => Promise<Connection>,
  options: ReplayOptions = {},
): Promise<Replay> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const open = new Map<number, { connection: Connection; reader: PeerReader }>();
  const requests = new Map<string, RecordedMessage>(); // by "connection/seq"
  const streamIds: Array<[Uint8Array, Uint8Array]> = [];
  const result: Replay = { pairs: [], extra: new Map(), ended: new Map() };
  try {
    for (const [index, recorded] of scenario.messages.entries()) {
      if (!("full_hex" in recorded)) {
        throw new Error(`message ${index} was not parsed by the recorder`);
      }
      const id = recorded.connection;
      let peer = open.get(id);
      if (!peer) {
        const connection = await connect();
        open.set(id, peer = { connection, reader: new PeerReader(connection) });
      }
      if (recorded.direction === "c2s") {
        let bytes = fromHex(recorded.full_hex);
        for (const [theirs, ours] of streamIds) bytes = replaceBytes(bytes, theirs, ours);
        await writeChunked(peer.connection, bytes, options.chunkSize ?? bytes.length);
        requests.set(`${id}/${recorded.seq}`, recorded);
        continue;
      }
      const what = `message ${index} (${recorded.type_name} seq ${recorded.seq})`;
      const received = await peer.reader.next(timeoutMs, what);
      if (received === null) result.ended.set(id, true);
      result.pairs.push({
        index,
        recorded,
        request: requests.get(`${id}/${recorded.seq}`),
        received,
      });
      const theirs = recorded.annotations[Annotation.STREAM];
      const ours = received?.message.annotations.get(Annotation.STREAM);
      if (theirs !== undefined && ours !== undefined) {
        if (ours.length !== theirs.length / 2) {
          throw new Error(`stream id ${new TextDecoder().decode(ours)} is not 36 characters`);
        }
        streamIds.push([fromHex(theirs), ours.slice()]);
      }
    }
    for (const [id, { connection, reader }] of open) {
      const extra: Received[] = [];
      result.extra.set(id, extra);
      if (result.ended.get(id)) continue;
      let writeFailed = false;
      await connection.write(FINAL_PING).catch(() => writeFailed = true);
      for (;;) {
        const received = await reader.next(timeoutMs, `connection ${id}: the final PING's echo`);
        if (received === null) {
          result.ended.set(id, true);
          break;
        }
        const m = received.message;
        if (!writeFailed && m.type === MsgType.PING && m.seq === 0xfffe) break;
        extra.push(received);
      }
      if (!result.ended.has(id)) result.ended.set(id, false);
    }
  } finally {
    for (const { connection, reader } of open.values()) {
      await reader.cancel();
      await connection.close().catch(() => {});
    }
  }
  return result;
}

/** Hex of a received message's correlation id, or null. */
export function correlationHex(received: Received): string | null {
  const id = received.message.correlationId;
  return id === null ? null : toHex(id);
}
