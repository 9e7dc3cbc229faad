/**
 * Constants of the Pyro5 wire protocol, version 502.
 *
 * @module
 */

/** The protocol version this implementation speaks. */
export const PROTOCOL_VERSION = 502;
/** The magic number that ends every header. */
export const MAGIC = 0x4dc5;
/** Bytes in a message header. */
export const HEADER_SIZE = 40;
/** Default `MAX_MESSAGE_SIZE`: 1 GiB of annotations plus payload. */
export const DEFAULT_MAX_MESSAGE_SIZE = 1073741824;
/**
 * Default `MAX_INFLATED_SIZE`: the most bytes a compressed payload may inflate to, 64 MiB, far
 * below `MAX_MESSAGE_SIZE` so that a small compressed message cannot demand a gigabyte.
 */
export const DEFAULT_MAX_INFLATED_SIZE = 64 * 1024 * 1024;
/** Bytes in a correlation id (a UUID in RFC 4122 byte order). */
export const CORRELATION_ID_SIZE = 16;
/** Python compresses only payloads longer than this. */
export const COMPRESSION_THRESHOLD = 100;

/** Message types (header byte 6). */
export const MsgType = {
  CONNECT: 1,
  CONNECTOK: 2,
  CONNECTFAIL: 3,
  INVOKE: 4,
  RESULT: 5,
  PING: 6,
} as const;

/** Message type names by value, for error messages and logs. */
export const MSG_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: "CONNECT",
  2: "CONNECTOK",
  3: "CONNECTFAIL",
  4: "INVOKE",
  5: "RESULT",
  6: "PING",
});

/** Header flag bits. */
export const Flags = {
  EXCEPTION: 0x0001,
  COMPRESSED: 0x0002,
  ONEWAY: 0x0004,
  BATCH: 0x0008,
  ITEMSTREAMRESULT: 0x0010,
  KEEPSERIALIZED: 0x0020,
  CORR_ID: 0x0040,
} as const;

/** The 4-byte annotation ids Pyro itself uses. */
export const Annotation = {
  /** Stream id of an ITEMSTREAMRESULT reply. */
  STREAM: "STRM",
  /** `(blob_info, object_id, method)` of a KEEPSERIALIZED call, always marshal. */
  BLOB_INFO: "BLBI",
} as const;

/**
 * The object id of every daemon's own object (ping, metadata, stream control).
 * Python: `Pyro5.core.DAEMON_NAME`.
 */
export const DAEMON_NAME = "Pyro.Daemon";

/** The name a name server registers itself under. Python: `Pyro5.core.NAMESERVER_NAME`. */
export const NAMESERVER_NAME = "Pyro.NameServer";
