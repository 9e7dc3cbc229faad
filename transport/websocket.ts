/**
 * A connect-only transport over the web-standard `WebSocket`, to a bridge (the HTTP gateway's
 * `/pyro/ws`) that pairs each WebSocket with one connection to a daemon and forwards the bytes
 * unchanged. The same file runs in browsers, Deno, Bun and Node 24: it names no runtime.
 *
 * @module
 */
import {
  CommunicationError,
  ConnectionClosedError,
  NamingError,
  SecurityError,
  TimeoutError,
} from "../errors.ts";
import { ChunkQueue, readableOf } from "./chunk_queue.ts";
import type { Address, ChunkReader, Connection, ConnectOptions, Endpoint } from "./types.ts";
import { formatAddress, type Transport } from "./types.ts";
import { BridgeCloseCode, type BridgeHello, type BridgeReply } from "./websocket_hello.ts";

/** Options of {@linkcode webSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The gateway key, when the bridge requires one (sent in the first message, not the URL). */
  key?: string;
  /** Bytes the socket may have queued before `write()` waits for them to go (default 1 MiB). */
  writeHighWaterMark?: number;
  /** The WebSocket class to use (default: the global one). */
  WebSocket?: typeof WebSocket;
}

/** A transport that asks the bridge to resolve `PYRONAME:` names (what a page cannot do itself). */
export interface WebSocketTransport extends Transport {
  /** The bridge's URL. */
  readonly url: string;
  /**
   * Looks a name up in the bridge's name server; only names the bridge exposes are answered.
   *
   * @param name the object's name
   * @param options timeout and signal
   * @returns the PYRO URI, as text
   * @throws {NamingError} when the name server does not know it
   * @throws {SecurityError} when the bridge refuses it or the key
   */
  resolveName(name: string, options?: ConnectOptions): Promise<string>;
}

const DEFAULT_WRITE_HIGH_WATER_MARK = 1 << 20;
// A WebSocket has no drain event: a full socket is polled this often until it empties.
const DRAIN_POLL_MS = 2;
// The largest message sent: far below any bridge's limit (1 MiB by default).
const PIECE = 64 * 1024;

/** The error a close before or after the hello stands for. */
function closeError(code: number, reason: string, what: string): Error {
  const why = reason || `code ${code}`;
  switch (code) {
    case BridgeCloseCode.BAD_KEY:
    case BridgeCloseCode.FORBIDDEN:
      return new SecurityError(`${what} refused: ${why}`);
    case BridgeCloseCode.UNKNOWN_NAME:
      return new NamingError(why);
    default:
      return new ConnectionClosedError(`${what} closed the connection: ${why}`);
  }
}

interface Opened {
  socket: WebSocket;
  reply: BridgeReply;
  /** Binary messages that came with the reply, before the connection took over. */
  early: Uint8Array[];
}

/** Opens a WebSocket to the bridge, says hello and waits for the answer. */
function open(
  Socket: typeof WebSocket,
  url: string,
  hello: BridgeHello,
  what: string,
  options: ConnectOptions,
): Promise<Opened> {
  return new Promise<Opened>((resolve, reject) => {
    const socket = new Socket(url);
    socket.binaryType = "arraybuffer";
    let settled = false;
    const early: Uint8Array[] = [];
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.onclose = null;
      socket.onmessage = null;
      try {
        socket.close();
      } catch { /* not open yet */ }
      reject(error);
    };
    const onAbort = () => fail(new CommunicationError(`${what}: connecting was aborted`));
    const timer = options.timeout
      ? setTimeout(
        () => fail(new TimeoutError(`${what} did not answer in ${options.timeout} s`)),
        options.timeout * 1000,
      )
      : undefined;
    const cleanup = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    socket.onopen = () => socket.send(JSON.stringify(hello));
    socket.onerror = () => {}; // the close event that follows says why
    socket.onclose = (event) => fail(closeError(event.code, event.reason, what));
    socket.onmessage = (event) => {
      if (settled) {
        // Bytes right behind the reply, before the connection's own handler is set.
        early.push(new Uint8Array(event.data as ArrayBuffer));
        return;
      }
      if (typeof event.data !== "string") {
        return fail(new CommunicationError(`${what} sent bytes before its answer`));
      }
      let reply: BridgeReply;
      try {
        reply = JSON.parse(event.data);
      } catch {
        return fail(new CommunicationError(`${what} answered with something not JSON`));
      }
      settled = true;
      cleanup();
      socket.onclose = null;
      resolve({ socket, reply, early });
    };
  });
}

class WebSocketConnection implements Connection {
  readonly closed: Promise<void>;
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  #socket: WebSocket;
  #queue: ChunkQueue;
  #readable: ReadableStream<Uint8Array> | null = null;
  #highWaterMark: number;
  #error: Error | null = null;

  constructor(opened: Opened, url: string, remote: Address, highWaterMark: number) {
    const socket = this.#socket = opened.socket;
    this.#highWaterMark = highWaterMark;
    this.localAddress = { transport: "unix", path: url };
    this.remoteAddress = remote;
    // A WebSocket cannot stop reading; the bridge's own limits bound what arrives.
    this.#queue = new ChunkQueue({ pause() {}, resume() {}, destroy: () => socket.close() });
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => markClosed = resolve);
    for (const chunk of opened.early) this.#queue.push(chunk);
    socket.onmessage = (event) => {
      if (typeof event.data === "string") {
        this.#fail(new CommunicationError("the bridge sent text after its answer"));
        socket.close(BridgeCloseCode.PROTOCOL);
        return;
      }
      this.#queue.push(new Uint8Array(event.data as ArrayBuffer));
    };
    socket.onclose = (event) => {
      if (event.code === BridgeCloseCode.NORMAL) this.#queue.end();
      else this.#fail(closeError(event.code, event.reason, `the bridge ${url}`));
      this.#error ??= new ConnectionClosedError("cannot write: connection closed");
      markClosed();
    };
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#queue.fail(error);
  }

  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this.#queue);
  }

  chunks(): ChunkReader {
    return this.#queue;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#error || this.#socket.readyState !== 1) {
      throw new ConnectionClosedError("cannot write: connection closed", { cause: this.#error });
    }
    // In pieces: the bridge limits a message's size, and the byte stream has no boundaries.
    for (let at = 0; at < chunk.length; at += PIECE) {
      this.#socket.send(chunk.subarray(at, at + PIECE) as Uint8Array<ArrayBuffer>);
    }
    while (this.#socket.bufferedAmount > this.#highWaterMark && this.#socket.readyState === 1) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  close(): Promise<void> {
    if (this.#socket.readyState < 2) this.#socket.close(BridgeCloseCode.NORMAL);
    return this.closed;
  }

  abort(): void {
    this.#fail(new ConnectionClosedError("connection aborted"));
    this.#socket.close(BridgeCloseCode.NORMAL);
  }
}

/**
 * A transport whose connections go through a WebSocket bridge at `url`: give it to a `Proxy`
 * (`new Proxy("PYRONAME:name", { transport })`) and every call, stream and batch of that proxy
 * travels as Pyro bytes inside WebSocket messages. The bridge decides which daemons may be
 * reached; `PYRONAME:` names are resolved by the bridge's name server.
 *
 * @param url the bridge, e.g. `ws://localhost:8080/pyro/ws` (in a page, `new URL("/pyro/ws",
 *   location.href)` with `ws:` for `http:`)
 * @param options the gateway key, the write high-water mark, the WebSocket class
 * @returns the transport
 * @example
 * ```ts
 * import { Proxy, webSocketTransport } from "@pyro5/pyro5";
 * const transport = webSocketTransport("ws://localhost:8080/pyro/ws", { key: "s3cret" });
 * const greeter = new Proxy("PYRONAME:example.greeting", { transport });
 * // await greeter.get_fortune("Alice"), once a gateway runs with --websocket
 * ```
 */
export function webSocketTransport(
  url: string | URL,
  options: WebSocketTransportOptions = {},
): WebSocketTransport {
  const href = String(url);
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  if (typeof Socket !== "function") {
    throw new TypeError("webSocketTransport: this runtime has no WebSocket; pass one in options");
  }
  const highWaterMark = options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK;
  const withKey = (hello: BridgeHello): BridgeHello =>
    options.key === undefined ? hello : { ...hello, key: options.key };
  return {
    name: "websocket",
    url: href,
    async connect(endpoint: Endpoint, connectOptions: ConnectOptions = {}): Promise<Connection> {
      const location = formatAddress(endpoint);
      const what = `the bridge ${href}`;
      const opened = await open(Socket, href, withKey({ connect: location }), what, connectOptions);
      const remote: Address = "path" in endpoint
        ? { transport: "unix", path: endpoint.path }
        : { transport: "tcp", hostname: endpoint.hostname, port: endpoint.port };
      return new WebSocketConnection(opened, href, remote, highWaterMark);
    },
    async resolveName(name: string, connectOptions: ConnectOptions = {}): Promise<string> {
      const what = `the bridge ${href}`;
      const opened = await open(Socket, href, withKey({ lookup: name }), what, connectOptions);
      opened.socket.close(BridgeCloseCode.NORMAL);
      if (typeof opened.reply.uri !== "string") {
        throw new CommunicationError(`${what} answered a lookup without a uri`);
      }
      return opened.reply.uri;
    },
  };
}
