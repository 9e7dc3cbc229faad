/**
 * What a runtime's WebSocket server and the bridge say to each other: the adapter asks the
 * endpoint whether to upgrade a request, then hands it the accepted socket; the endpoint
 * answers with the handlers of that socket's events. Nothing here names a runtime.
 *
 * @module
 */

/** A server-side WebSocket as a runtime adapter presents it. */
export interface ServerSocket {
  /** Sends one message: binary for bytes, text for a string. */
  send(data: Uint8Array | string): void;
  /** Bytes given to `send` that are not on the wire yet. */
  readonly bufferedAmount: number;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Optional: stops delivering messages (the runtime stops reading the socket). */
  pause?(): void;
  /** Optional: delivers messages again. */
  resume?(): void;
}

/** What the endpoint does with a socket's events. */
export interface SocketHandlers {
  /** A whole message arrived. */
  message(data: Uint8Array | string): void;
  /** The socket closed (`code` 1006 when it was dropped without a close frame). */
  close(code: number, reason: string): void;
  /** Optional: the socket's buffer emptied (runtimes that report it; others are polled). */
  drain?(): void;
}

/** The endpoint's answer to an upgrade request it accepts. */
export interface Accepted {
  /** The subprotocol to confirm, when the client offered one this endpoint takes. */
  protocol?: string;
  /** Called once the socket is open; returns its handlers. */
  open(socket: ServerSocket): SocketHandlers;
}

/** A WebSocket endpoint, served by the runtime adapters beside a fetch handler. */
export interface WebSocketEndpoint {
  /** The largest message a client may send, in bytes (the adapters enforce it where they can). */
  readonly maxMessageSize: number;
  /**
   * Decides on a request: null when it is not for this endpoint (the fetch handler answers it),
   * a `Response` to refuse it (403, 429, ...), or the acceptance.
   *
   * @param request the upgrade request
   * @param client the client's address, for per-client limits
   */
  upgrade(request: Request, client: string): Accepted | Response | null;
}
