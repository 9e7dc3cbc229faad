/**
 * One bridged WebSocket: its first message (the hello), then the bytes forwarded both ways
 * between it and its daemon connection, with backpressure each way, until either side ends.
 * Which daemons it may reach, and the limits, are the bridge's (`ws_bridge.ts`) to decide.
 *
 * @module
 */
import type { ChunkReader, Connection } from "../transport/types.ts";
import { BridgeCloseCode, type BridgeHello } from "../transport/websocket_hello.ts";
import type { ServerSocket, SocketHandlers } from "./ws_types.ts";

/** A close the bridge answers with: a code of {@linkcode BridgeCloseCode} and why. */
export interface Refusal {
  /** The close code. */
  code: number;
  /** Why, for the page. */
  reason: string;
}

/** What a session asks of its bridge. */
export interface SessionHost {
  /** Milliseconds a client has to send its hello. */
  readonly helloTimeout: number;
  /** The largest message a page may send, in bytes. */
  readonly maxMessageSize: number;
  /** The key a hello must carry, or null. */
  readonly key: string | null;
  /** Looks a name up for the page: its PYRO URI, or a refusal. */
  lookup(name: string): Promise<string | Refusal>;
  /** Opens the connection to a daemon for the page, or refuses. */
  connect(location: string): Promise<{ daemon: Connection; location: string } | Refusal>;
  /** The session ended (called once). */
  ended(session: Session): void;
  /** A daemon connection that `connect` gave is closed. */
  daemonClosed(): void;
  /** Told of failures of the bridge itself. */
  onError?(error: unknown): void;
}

// Bytes waiting to reach the page before the daemon's side is no longer read, and bytes of the
// page waiting to reach the daemon before the page's side is paused (closed where it cannot be).
const SEND_HIGH_WATER_MARK = 1 << 20;
const DRAIN_POLL_MS = 2;
// Where the runtime cannot pause a WebSocket (Deno, Bun), the most a page may have in flight to
// its daemon before it is cut off: the page's transport waits on its own socket, not the daemon.
const MAX_UNPAUSED_BYTES = 16 << 20;
const MAX_HELLO = 4096;

/** One WebSocket paired with one daemon connection; see the module doc. */
export class Session implements SocketHandlers {
  readonly #host: SessionHost;
  readonly #socket: ServerSocket;
  /** The client's address, for the bridge's per-client count. */
  readonly client: string;
  #state: "hello" | "busy" | "open" | "closed" = "hello";
  #daemon: Connection | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writes: Promise<void> = Promise.resolve();
  #pendingBytes = 0;
  #paused = false;
  #drained: (() => void) | null = null;

  /**
   * @param host the bridge
   * @param socket the accepted WebSocket
   * @param client the client's address
   */
  constructor(host: SessionHost, socket: ServerSocket, client: string) {
    this.#host = host;
    this.#socket = socket;
    this.client = client;
    this.#timer = setTimeout(
      () => this.end(BridgeCloseCode.HELLO_TIMEOUT, "no hello in time"),
      host.helloTimeout,
    );
  }

  /** A message from the page. */
  message(data: Uint8Array | string): void {
    if (this.#state === "closed") return;
    const max = this.#host.maxMessageSize;
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (size > max) return this.end(BridgeCloseCode.TOO_BIG, `message larger than ${max} bytes`);
    if (this.#state === "hello") {
      clearTimeout(this.#timer);
      if (typeof data !== "string" || data.length > MAX_HELLO) {
        return this.end(BridgeCloseCode.PROTOCOL, "the first message must be a short text");
      }
      this.#state = "busy";
      this.#hello(data).catch((e) => {
        this.#host.onError?.(e);
        this.end(BridgeCloseCode.INTERNAL, "bridge failure");
      });
      return;
    }
    if (this.#state !== "open" || typeof data === "string") {
      return this.end(BridgeCloseCode.PROTOCOL, "only bytes after the answer");
    }
    this.#forward(data);
  }

  /** The page's socket emptied its buffer. */
  drain(): void {
    this.#drained?.();
  }

  /** The page's socket closed. */
  close(): void {
    this.end(BridgeCloseCode.NORMAL, "");
  }

  /** Closes both sides, once. */
  end(code: number, reason: string): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#timer);
    this.#drained?.();
    try {
      this.#socket.close(code, reason);
    } catch { /* already closed */ }
    if (this.#daemon) this.#drop(this.#daemon);
    this.#daemon = null;
    this.#host.ended(this);
  }

  #drop(daemon: Connection): void {
    // Pending writes are dropped: the page that sent them is gone.
    if (daemon.abort) daemon.abort();
    else void daemon.close().catch(() => {});
    this.#host.daemonClosed();
  }

  async #hello(text: string): Promise<void> {
    let hello: BridgeHello;
    try {
      hello = JSON.parse(text);
      if (hello === null || typeof hello !== "object") throw new TypeError("not an object");
    } catch {
      return this.end(BridgeCloseCode.PROTOCOL, "the first message must be a JSON object");
    }
    if (this.#host.key !== null && hello.key !== this.#host.key) {
      return this.end(BridgeCloseCode.BAD_KEY, "incorrect gateway key");
    }
    if (typeof hello.lookup === "string") {
      const found = await this.#host.lookup(hello.lookup);
      if (typeof found !== "string") return this.end(found.code, found.reason);
      if (this.#state === "closed") return;
      this.#socket.send(JSON.stringify({ uri: found }));
      return this.end(BridgeCloseCode.NORMAL, "");
    }
    if (typeof hello.connect === "string") {
      const opened = await this.#host.connect(hello.connect);
      if (!("daemon" in opened)) return this.end(opened.code, opened.reason);
      // The page may have left while its daemon connection was being made.
      if (this.#state === "closed") return this.#drop(opened.daemon);
      this.#daemon = opened.daemon;
      this.#state = "open";
      this.#socket.send(JSON.stringify({ connected: opened.location }));
      void this.#pump(opened.daemon);
      return;
    }
    this.end(BridgeCloseCode.PROTOCOL, "the first message needs connect or lookup");
  }

  /** Page to daemon: writes in order; too much waiting pauses the page, or ends it. */
  #forward(data: Uint8Array): void {
    const daemon = this.#daemon!;
    this.#pendingBytes += data.byteLength;
    if (this.#pendingBytes > SEND_HIGH_WATER_MARK && !this.#paused) {
      if (this.#socket.pause) {
        this.#paused = true;
        this.#socket.pause();
      } else if (this.#pendingBytes > MAX_UNPAUSED_BYTES) {
        // A runtime that cannot stop reading: a page that does not wait is cut off.
        return this.end(BridgeCloseCode.TOO_BIG, "the page sends faster than the daemon reads");
      }
    }
    this.#writes = this.#writes.then(async () => {
      if (this.#state !== "open") return;
      try {
        await daemon.write(data);
      } catch {
        return this.end(BridgeCloseCode.UNREACHABLE, "the daemon's connection failed");
      }
      this.#pendingBytes -= data.byteLength;
      if (this.#paused && this.#pendingBytes < SEND_HIGH_WATER_MARK / 2) {
        this.#paused = false;
        this.#socket.resume?.();
      }
    });
  }

  /** Daemon to page: the daemon is read only while the page's socket keeps up. */
  async #pump(daemon: Connection): Promise<void> {
    const reader: ChunkReader = daemon.chunks?.() ?? daemon.readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.#state !== "open") return;
        if (done) return this.end(BridgeCloseCode.NORMAL, "the daemon closed the connection");
        // A copy: the socket may keep the bytes past this turn, and the reader may reuse them.
        this.#socket.send(value.slice());
        reader.release?.(value);
        while (this.#socket.bufferedAmount > SEND_HIGH_WATER_MARK && this.#state === "open") {
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              resolve();
            };
            // Woken by the runtime's drain event where there is one, else polled.
            const timer = setTimeout(wake, DRAIN_POLL_MS);
            this.#drained = wake;
          });
          this.#drained = null;
        }
      }
    } catch {
      this.end(BridgeCloseCode.UNREACHABLE, "the daemon's connection failed");
    }
  }
}
