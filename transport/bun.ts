/**
 * The Bun adapter: `Bun.connect` and `Bun.listen` sockets for TCP and Unix
 * sockets. Bun's `write()` may take only part of a buffer; the rest waits for
 * the `drain` callback. UDP goes through `node:dgram`, which Bun implements.
 * Only the slice of Bun's API used here is declared, so no Bun types are needed.
 *
 * @module
 */
import { asCommunicationError, ConnectionClosedError } from "../errors.ts";
import { guardConnect } from "./connect_guard.ts";
import { bindNodeDatagram } from "./node_udp.ts";
import { AsyncQueue } from "./queue.ts";
import { ChunkQueue, readableOf } from "./chunk_queue.ts";
import type { Address, ChunkReader, Connection, ConnectOptions, Endpoint } from "./types.ts";
import type { Listener, ListenOptions, RuntimeTransport } from "./types.ts";
import { closeOnAbort, formatAddress } from "./types.ts";

/** The members of a Bun socket this adapter uses. */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): void;
  ref(): void;
  unref(): void;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  data: BunConnection | null;
}

interface BunHandlers {
  open?(socket: BunSocket): void;
  data?(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
  close?(socket: BunSocket, error?: Error): void;
  end?(socket: BunSocket): void;
  error?(socket: BunSocket, error: Error): void;
  connectError?(socket: BunSocket, error: Error): void;
}

interface BunApi {
  connect(
    options: ({ hostname: string; port: number } | { unix: string }) & { socket: BunHandlers },
  ): Promise<BunSocket>;
  listen(
    options: ({ hostname: string; port: number } | { unix: string }) & { socket: BunHandlers },
  ): {
    readonly port?: number;
    readonly hostname?: string;
    stop(closeActiveConnections?: boolean): void;
  };
}

const bun = (): BunApi => (globalThis as unknown as { Bun: BunApi }).Bun;

class BunConnection implements Connection {
  readonly closed: Promise<void>;
  /** Bun's socket.write() takes what the kernel takes and keeps nothing; the rest waits here. */
  readonly writesComplete = true;
  localAddress: Address;
  remoteAddress: Address;
  #socket: BunSocket;
  #queue: ChunkQueue;
  #readable: ReadableStream<Uint8Array> | null = null;
  #pending: Array<{ data: Uint8Array; resolve(): void; reject(e: Error): void }> = [];
  #error: Error | null = null;
  #ended = false;
  #markClosed!: () => void;

  constructor(socket: BunSocket, unixPath?: string) {
    this.#socket = socket;
    socket.data = this;
    socket.setNoDelay(true);
    this.localAddress = unixPath !== undefined
      ? { transport: "unix", path: unixPath }
      : { transport: "tcp", hostname: socket.localAddress ?? "", port: socket.localPort ?? 0 };
    this.remoteAddress = unixPath !== undefined
      ? { transport: "unix", path: unixPath }
      : { transport: "tcp", hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
    this.closed = new Promise((resolve) => this.#markClosed = resolve);
    this.#queue = new ChunkQueue({
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      destroy: () => socket.terminate(),
    });
    const before = early.get(socket);
    if (before) {
      early.delete(socket);
      for (const chunk of before.chunks) this.onData(chunk);
      if (before.closed) this.onClose(before.closed === true ? undefined : before.closed);
    }
  }

  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this.#queue);
  }

  chunks(): ChunkReader {
    return this.#queue;
  }

  onData(data: Uint8Array): void {
    // Bun hands out Buffers that stay valid; a plain view keeps the protocol code monomorphic.
    this.#queue.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  onDrain(): void {
    while (this.#pending.length > 0) {
      const head = this.#pending[0];
      const written = this.#socket.write(head.data);
      if (written < 0) {
        return this.onClose(new ConnectionClosedError("cannot write: connection closed"));
      }
      if (written < head.data.length) {
        head.data = head.data.subarray(written);
        return;
      }
      this.#pending.shift();
      head.resolve();
    }
  }

  onClose(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error ??= error
      ? new ConnectionClosedError(`connection error: ${error.message}`, { cause: error })
      : new ConnectionClosedError("connection closed");
    this.#queue.end();
    for (const p of this.#pending.splice(0)) p.reject(this.#error);
    this.#markClosed();
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#ended) {
      return Promise.reject(
        this.#error ?? new ConnectionClosedError("cannot write: connection closed"),
      );
    }
    if (this.#pending.length === 0) {
      const written = this.#socket.write(chunk);
      if (written === chunk.length) return Promise.resolve();
      if (written < 0) {
        return Promise.reject(new ConnectionClosedError("cannot write: connection closed"));
      }
      chunk = chunk.subarray(written);
    }
    // Bun took part of it (or earlier writes still wait): keep the rest for drain().
    return new Promise((resolve, reject) => this.#pending.push({ data: chunk, resolve, reject }));
  }

  ref(): void {
    this.#socket.ref();
  }

  unref(): void {
    this.#socket.unref();
  }

  abort(): void {
    this.#socket.terminate();
    this.onClose(new ConnectionClosedError("connection aborted"));
  }

  async close(): Promise<void> {
    if (!this.#ended) {
      // Let queued writes go out first; then end, and make sure the socket really goes away.
      if (this.#pending.length > 0) {
        await new Promise<void>((resolve) => {
          const last = this.#pending[this.#pending.length - 1];
          const { resolve: done, reject } = last;
          last.resolve = () => {
            done();
            resolve();
          };
          last.reject = (e) => {
            reject(e);
            resolve();
          };
        });
      }
      this.#socket.end();
      const timer = setTimeout(() => this.#socket.terminate(), 2000);
      await this.closed;
      clearTimeout(timer);
    }
    return this.closed;
  }
}

// What arrives on a connecting socket before its connection object exists.
const early = new WeakMap<BunSocket, { chunks: Uint8Array[]; closed?: Error | true }>();

function earlyOf(socket: BunSocket) {
  let e = early.get(socket);
  if (!e) early.set(socket, e = { chunks: [] });
  return e;
}

const handlers: BunHandlers = {
  data: (socket, data) =>
    socket.data ? socket.data.onData(data) : earlyOf(socket).chunks.push(data.slice()),
  drain: (socket) => socket.data?.onDrain(),
  close: (socket, error) =>
    socket.data ? socket.data.onClose(error) : earlyOf(socket).closed = error ?? true,
  error: (socket, error) =>
    socket.data ? socket.data.onClose(error) : earlyOf(socket).closed = error,
};

async function connect(endpoint: Endpoint, options: ConnectOptions = {}): Promise<Connection> {
  const where = formatAddress(endpoint);
  options.signal?.throwIfAborted();
  const attempt = bun().connect({
    ...("path" in endpoint
      ? { unix: endpoint.path }
      : { hostname: endpoint.hostname, port: endpoint.port }),
    socket: handlers,
  });
  const socket = await guardConnect(attempt, where, options, (s) => s.terminate());
  return new BunConnection(socket, "path" in endpoint ? endpoint.path : undefined);
}

/**
 * The address a name such as `localhost` was bound to: Bun's listener reports only the name
 * it was given, so it is looked up as Bun's own bind does (the first address).
 */
async function boundHostname(hostname: string): Promise<string> {
  if (/^[\d.]+$/.test(hostname) || hostname.includes(":")) return hostname;
  try {
    const dns = await import("node:dns");
    return (await dns.promises.lookup(hostname)).address;
  } catch {
    return hostname;
  }
}

async function listen(endpoint: Endpoint, options: ListenOptions = {}): Promise<Listener> {
  const hostname = "hostname" in endpoint ? await boundHostname(endpoint.hostname) : "";
  const queue = new AsyncQueue<Connection>();
  const unixPath = "path" in endpoint ? endpoint.path : undefined;
  try {
    const server = bun().listen({
      ...(unixPath !== undefined ? { unix: unixPath } : {
        hostname: (endpoint as { hostname: string }).hostname,
        port: (endpoint as { port: number }).port,
      }),
      socket: { ...handlers, open: (socket) => queue.push(new BunConnection(socket, unixPath)) },
    });
    const address: Address = unixPath !== undefined ? { transport: "unix", path: unixPath } : {
      transport: "tcp",
      hostname,
      port: server.port ?? 0,
    };
    let closed = false;
    return closeOnAbort({
      address,
      accept: () => queue.next(),
      close() {
        if (!closed) {
          closed = true;
          queue.close();
          // Open connections stay open; only the listening socket goes.
          server.stop(false);
        }
        return Promise.resolve();
      },
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    }, options.signal);
  } catch (e) {
    return Promise.reject(asCommunicationError(e, `cannot listen on ${formatAddress(endpoint)}`));
  }
}

/**
 * The Bun transport.
 *
 * @example
 * ```ts
 * import { bunTransport } from "./bun.ts";
 * // Only on Bun: Deno and Node have no Bun.listen.
 * if ("Bun" in globalThis) await (await bunTransport.listen({ hostname: "127.0.0.1", port: 0 })).close();
 * ```
 */
export const bunTransport: RuntimeTransport = {
  name: "bun",
  connect,
  listen,
  bindDatagram: bindNodeDatagram,
};
