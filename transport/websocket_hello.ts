/**
 * What a WebSocket bridge and its clients say before the Pyro bytes start: one text message
 * each way, then only binary messages, each a slice of the byte stream between the client and
 * the daemon (a message boundary means nothing).
 *
 * | step | direction | message |
 * | --- | --- | --- |
 * | 1 | client → bridge | text: `{"connect": "host:port"}` or `{"lookup": "name"}`, plus `"key"` when the bridge has a gateway key |
 * | 2 | bridge → client | text: `{"connected": "host:port"}`, or `{"uri": "PYRO:…"}` after a lookup (then the bridge closes) |
 * | 3 | both | binary: Pyro protocol bytes, forwarded unchanged |
 *
 * A refusal is a close with one of {@linkcode BridgeCloseCode} and a reason.
 *
 * @module
 */

/** The close codes a bridge ends a WebSocket with (4000-4999 are the application's range). */
export const BridgeCloseCode = {
  /** Done: after a lookup, or the daemon closed its side. */
  NORMAL: 1000,
  /** The other side broke the protocol: a text message after the hello, a bad hello. */
  PROTOCOL: 1002,
  /** A message larger than the bridge accepts. */
  TOO_BIG: 1009,
  /** The bridge failed itself. */
  INTERNAL: 1011,
  /** A wrong or missing gateway key. */
  BAD_KEY: 4401,
  /** The object or location is not exposed by this bridge. */
  FORBIDDEN: 4403,
  /** The name server does not know the name. */
  UNKNOWN_NAME: 4404,
  /** The client sent nothing in time. */
  HELLO_TIMEOUT: 4408,
  /** This client has as many bridged connections open as it may. */
  TOO_MANY: 4429,
  /** The daemon could not be reached, or its connection failed. */
  UNREACHABLE: 4502,
} as const;

/** The first message of a client. */
export interface BridgeHello {
  /** A daemon's location, `host:port` (`[ipv6]:port` too). */
  connect?: string;
  /** An object name to look up in the bridge's name server. */
  lookup?: string;
  /** The gateway key, when the bridge requires one. */
  key?: string;
}

/** The bridge's answer to a hello. */
export interface BridgeReply {
  /** The location the bridge connected to. */
  connected?: string;
  /** The PYRO URI a lookup found. */
  uri?: string;
}
