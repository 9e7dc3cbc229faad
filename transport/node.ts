/**
 * The Node adapter: TCP and Unix sockets over `node:net`, UDP from `node_udp.ts`. Bun and Deno
 * implement these modules too, so this adapter runs on all three runtimes.
 *
 * @module
 */
import type * as netTypes from "node:net";
import { builtin } from "./builtin.ts";
import {
  asCommunicationError,
  CommunicationError,
  ConnectionClosedError,
  TimeoutError,
} from "../errors.ts";
import { ClosedSignal } from "./closed_signal.ts";
import { AsyncQueue } from "./queue.ts";
import { ChunkQueue, type FlowControl, readableOf } from "./chunk_queue.ts";
import { BufferReader } from "./buffer_reader.ts";
import { bindNodeDatagram } from "./node_udp.ts";
import type { Address, ChunkReader, Connection, ConnectOptions, Endpoint } from "./types.ts";
import type { Listener, ListenOptions, RuntimeTransport } from "./types.ts";
import { closeOnAbort, formatAddress } from "./types.ts";

// Loaded on first use, so that importing this adapter loads no runtime module.
const net = builtin<typeof netTypes>("node:net");

function addressOf(socket: netTypes.Socket, side: "local" | "remote"): Address {
  const hostname = side === "local" ? socket.localAddress : socket.remoteAddress;
  const port = side === "local" ? socket.localPort : socket.remotePort;
  if (hostname === undefined || port === undefined) return { transport: "unix", path: "" };
  return { transport: "tcp", hostname, port };
}

/** Where a socket's shared listeners find their connection. */
const CONNECTION = Symbol("pyro5.connection");
type OwnedSocket = netTypes.Socket & { [CONNECTION]: NodeConnection };

/** A connection over a Node socket (a `net.Socket`, or a `tls.TLSSocket`, which is one). */
export class NodeConnection implements Connection {
  /** write() resolves from Node's write callback, once the bytes are in the kernel. */
  readonly writesComplete = true;
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  #socket: netTypes.Socket;
  #queue: ChunkQueue | BufferReader;
  #readable: ReadableStream<Uint8Array> | null = null;
  #error: Error | null = null;
  #closed = new ClosedSignal();

  /**
   * @param nodeSocket the connected socket (a `net.Socket`)
   * @param unixPath the socket's path, for a Unix socket
   * @param reads where the socket reads into, when it was made with `onread` (see `readInto`)
   */
  // The socket is typed `object` here so that the published declarations name no `node:net`
  // type (a user's tsc without @types/node must read them); it is a net.Socket or tls.TLSSocket.
  constructor(nodeSocket: object, unixPath?: string, reads?: BufferReader) {
    const socket = nodeSocket as OwnedSocket;
    this.#socket = socket;
    socket.setNoDelay?.(true);
    this.localAddress = unixPath !== undefined
      ? { transport: "unix", path: unixPath }
      : addressOf(socket, "local");
    this.remoteAddress = unixPath !== undefined
      ? { transport: "unix", path: unixPath }
      : addressOf(socket, "remote");
    // One set of listeners for every socket (called on the socket, which names its connection)
    // rather than closures made per connection: an idle connection should cost little.
    socket[CONNECTION] = this;
    if (reads) this.#queue = reads;
    else {
      this.#queue = new ChunkQueue(new SocketFlow(socket));
      socket.on("data", NodeConnection.#onData);
    }
    // `on`, not `once`: each fires once, and once() would wrap every listener per connection.
    // The error listener stays: a second error event without one would end the process.
    socket.on("end", NodeConnection.#onEnd);
    socket.on("error", NodeConnection.#onError);
    socket.on("close", NodeConnection.#onClose);
  }

  static #onData(this: OwnedSocket, data: Uint8Array): void {
    // Node hands out Buffers; a plain Uint8Array view keeps the protocol code monomorphic.
    (this[CONNECTION].#queue as ChunkQueue).push(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  static #onEnd(this: OwnedSocket): void {
    this[CONNECTION].#queue.end();
  }

  static #onError(this: OwnedSocket, e: Error): void {
    const connection = this[CONNECTION];
    connection.#error ??= new ConnectionClosedError(`connection error: ${e.message}`, {
      cause: e,
    });
    connection.#queue.fail(connection.#error);
  }

  static #onClose(this: OwnedSocket): void {
    const connection = this[CONNECTION];
    connection.#closed.mark();
    connection.#queue.end();
  }

  /** Resolves when the connection has closed. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this.#queue);
  }

  chunks(): ChunkReader {
    return this.#queue;
  }

  write(chunk: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) {
      return Promise.reject(
        this.#error ?? new ConnectionClosedError("cannot write: connection closed"),
      );
    }
    // Resolved by the write's callback: once Node handed the bytes to the kernel (at once for a
    // small write, after draining for a large one), so the chunk is no longer needed then.
    return new Promise((resolve, reject) =>
      socket.write(chunk, (e) => {
        if (!e) return resolve();
        reject(
          this.#error ?? new ConnectionClosedError(`cannot write: ${e.message}`, { cause: e }),
        );
      })
    );
  }

  ref(): void {
    this.#socket.ref();
  }

  unref(): void {
    this.#socket.unref();
  }

  abort(): void {
    this.#socket.destroy();
  }

  close(): Promise<void> {
    const socket = this.#socket;
    if (!socket.destroyed) {
      // Flush what is queued, then close; destroy if the peer does not finish the close.
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 2000);
      socket.once("close", () => clearTimeout(timer));
    }
    return this.closed;
  }
}

/** Pause, resume and destroy of a socket: one object, no closures. */
class SocketFlow implements FlowControl {
  /** The socket (set later when the reader is made before the socket). */
  socket: netTypes.Socket | null;

  constructor(socket: netTypes.Socket | null) {
    this.socket = socket;
  }

  pause(): void {
    this.socket!.pause();
  }

  resume(): void {
    this.socket!.resume();
  }

  destroy(): void {
    this.socket!.destroy();
  }
}

class NodeListener implements Listener {
  readonly address: Address;
  #server: netTypes.Server;
  #queue: AsyncQueue<Connection>;

  constructor(server: netTypes.Server, queue: AsyncQueue<Connection>, address: Address) {
    this.#server = server;
    this.#queue = queue;
    this.address = address;
  }

  accept(): Promise<Connection | null> {
    return this.#queue.next();
  }

  close(): Promise<void> {
    this.#queue.close();
    // The port is free at once; Node's close callback would wait for every open connection.
    this.#server.close();
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<Connection> {
    return this.#queue[Symbol.asyncIterator]();
  }
}

/**
 * Reads into buffers of ours, for a client socket (`onread`, which `net.connect` and
 * `tls.connect` take): a large body is read straight into place rather than through a fresh
 * 64 KiB Buffer per read copied into it. Servers' sockets cannot have onread in Node's API;
 * they read by "data" events.
 *
 * @returns the reader, the `onread` option to make the socket with, and `attach`, to be called
 *   with the socket once made
 */
export function ownReads(): {
  reads: BufferReader;
  onread: { buffer(): Uint8Array; callback(n: number, buffer: Uint8Array): boolean };
  attach(socket: object): void;
} {
  const flow = new SocketFlow(null);
  const reads = new BufferReader(flow);
  return {
    reads,
    onread: {
      buffer: () => reads.next(),
      callback: (n: number, buffer: Uint8Array) => {
        reads.filled(n, buffer);
        return true; // the reader pauses the socket itself when it has too much
      },
    },
    attach: (socket) => flow.socket = socket as netTypes.Socket,
  };
}

function connect(endpoint: Endpoint, options: ConnectOptions = {}): Promise<Connection> {
  const where = formatAddress(endpoint);
  return new Promise<Connection>((resolve, reject) => {
    options.signal?.throwIfAborted();
    const { reads, onread, attach } = ownReads();
    const socket = "path" in endpoint
      ? net().createConnection({ path: endpoint.path, onread })
      : net().createConnection({ host: endpoint.hostname, port: endpoint.port, onread });
    attach(socket);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (e: Error) => fail(asCommunicationError(e, `cannot connect to ${where}`));
    const onAbort = () => fail(options.signal!.reason ?? new DOMException("aborted", "AbortError"));
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off("error", onError);
      options.signal?.removeEventListener("abort", onAbort);
    };
    socket.once("error", onError);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeout) {
      timer = setTimeout(
        () => fail(new TimeoutError(`cannot connect to ${where}: timeout (${options.timeout}s)`)),
        options.timeout * 1000,
      );
    }
    socket.once("connect", () => {
      cleanup();
      resolve(new NodeConnection(socket, "path" in endpoint ? endpoint.path : undefined, reads));
    });
  });
}

async function listen(endpoint: Endpoint, options: ListenOptions = {}): Promise<Listener> {
  const queue = new AsyncQueue<Connection>();
  const unixPath = "path" in endpoint ? endpoint.path : undefined;
  const server = net().createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    queue.push(new NodeConnection(socket, unixPath));
  });
  return closeOnAbort(await listenOn(server, queue, endpoint), options.signal);
}

/**
 * Binds a Node server (`net.Server`, or a `tls.Server`, which is one) whose connection handler
 * pushes to `queue`, and gives it as a Listener. Typed `object` so that the published
 * declarations name no `node:net` type.
 *
 * @param nodeServer the server, not yet listening
 * @param queue where its connection handler puts the connections
 * @param endpoint where to listen
 * @returns the listener, once bound
 */
export function listenOn(
  nodeServer: object,
  queue: AsyncQueue<Connection>,
  endpoint: Endpoint,
): Promise<Listener> {
  const server = nodeServer as netTypes.Server;
  const unixPath = "path" in endpoint ? endpoint.path : undefined;
  return new Promise((resolve, reject) => {
    server.once(
      "error",
      (e: Error) => reject(asCommunicationError(e, `cannot listen on ${formatAddress(endpoint)}`)),
    );
    const onListening = () => {
      // From now on a failed accept (EMFILE, ...) is the next accept()'s error: an error event
      // with no listener would end the process.
      server.on(
        "error",
        (e: Error) =>
          queue.pushError(new CommunicationError(`accept failed: ${e.message}`, { cause: e })),
      );
      const a = server.address();
      const address: Address = typeof a === "string" || a === null
        ? { transport: "unix", path: unixPath ?? String(a) }
        : { transport: "tcp", hostname: a.address, port: a.port };
      resolve(new NodeListener(server, queue, address));
    };
    if (unixPath !== undefined) server.listen({ path: unixPath }, onListening);
    else {server.listen({
        host: (endpoint as { hostname: string }).hostname,
        port: (endpoint as { port: number }).port,
      }, onListening);}
  });
}

/**
 * The Node transport; also works on Bun and Deno.
 *
 * @example
 * ```ts
 * import { nodeTransport } from "@pyro5/pyro5";
 * const listener = await nodeTransport.listen({ hostname: "127.0.0.1", port: 0 });
 * await listener.close();
 * ```
 */
export const nodeTransport: RuntimeTransport = {
  name: "node",
  connect,
  listen,
  bindDatagram: bindNodeDatagram,
};
