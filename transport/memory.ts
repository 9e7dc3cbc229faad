/**
 * In-memory connections: a duplex pair with socket semantics (closing one end
 * ends the other's readable), and an in-memory transport whose listeners are
 * found by name. For tests and for connecting objects inside one process.
 *
 * @module
 */
import { CommunicationError, ConnectionClosedError } from "../errors.ts";
import { AsyncQueue } from "./queue.ts";
import {
  type Address,
  closeOnAbort,
  type Connection,
  type Endpoint,
  type Listener,
  type ListeningTransport,
} from "./types.ts";

/** Bytes one end may have unread before the writer's `write()` waits. */
const HIGH_WATER_MARK = 1 << 20;

class Pipe {
  controller!: ReadableStreamDefaultController<Uint8Array>;
  readable: ReadableStream<Uint8Array>;
  ended = false;
  #space: Array<() => void> = [];

  constructor() {
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
      pull: () => {
        for (const w of this.#space.splice(0)) w();
      },
      cancel: () => {
        this.ended = true;
        for (const w of this.#space.splice(0)) w();
      },
    }, { highWaterMark: HIGH_WATER_MARK, size: (c) => c.byteLength });
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.ended) throw new ConnectionClosedError("cannot write: connection closed");
    // Copy: the writer may reuse its buffer, as with a real socket.
    this.controller.enqueue(chunk.slice());
    while ((this.controller.desiredSize ?? 1) <= 0 && !this.ended) {
      await new Promise<void>((resolve) => this.#space.push(resolve));
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.controller.close();
    } catch { /* cancelled by the reader */ }
    for (const w of this.#space.splice(0)) w();
  }
}

class MemoryConnection implements Connection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  /** A write copies the chunk before it resolves. */
  readonly writesComplete = true;
  #incoming: Pipe;
  #outgoing: Pipe;
  #markClosed!: () => void;
  peer!: MemoryConnection;

  constructor(incoming: Pipe, outgoing: Pipe, local: Address, remote: Address) {
    this.#incoming = incoming;
    this.#outgoing = outgoing;
    this.readable = incoming.readable;
    this.localAddress = local;
    this.remoteAddress = remote;
    this.closed = new Promise((resolve) => this.#markClosed = resolve);
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.#outgoing.write(chunk);
  }

  close(): Promise<void> {
    this.#outgoing.end();
    this.#incoming.end();
    this.#markClosed();
    this.peer.#peerClosed();
    return this.closed;
  }

  #peerClosed(): void {
    this.#outgoing.end();
    this.#markClosed();
  }
}

/**
 * Two connected in-memory connections.
 *
 * @param names labels used as the two ends' addresses
 * @returns `[a, b]`: what `a` writes, `b` reads, and the reverse
 * @example
 * ```ts
 * import { memoryPair } from "@pyro5/pyro5";
 * const [a, b] = memoryPair();
 * await a.write(new Uint8Array([1, 2, 3]));
 * const { value } = await b.readable.getReader().read(); // Uint8Array [1, 2, 3]
 * ```
 */
export function memoryPair(
  names: [string, string] = ["memory-a", "memory-b"],
): [Connection, Connection] {
  const ab = new Pipe();
  const ba = new Pipe();
  const addrA: Address = { transport: "unix", path: names[0] };
  const addrB: Address = { transport: "unix", path: names[1] };
  const a = new MemoryConnection(ba, ab, addrA, addrB);
  const b = new MemoryConnection(ab, ba, addrB, addrA);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * A transport whose endpoints live in this process: `listen({ path: "name" })`
 * (or a hostname and port) and `connect` to the same endpoint. Each call makes a
 * separate namespace. UDP is not offered.
 *
 * @returns the transport
 * @example
 * ```ts
 * import { memoryTransport } from "@pyro5/pyro5";
 * const transport = memoryTransport();
 * const listener = await transport.listen({ path: "daemon" });
 * const client = await transport.connect({ path: "daemon" });
 * const server = await listener.accept();
 * ```
 */
export function memoryTransport(): ListeningTransport {
  const listeners = new Map<string, AsyncQueue<Connection>>();
  let nextPort = 40000;
  const keyOf = (e: Endpoint) => "path" in e ? `unix:${e.path}` : `tcp:${e.hostname}:${e.port}`;
  return {
    name: "memory",
    connect(endpoint) {
      const queue = listeners.get(keyOf(endpoint));
      if (!queue) {
        return Promise.reject(
          new CommunicationError(`cannot connect to ${keyOf(endpoint)}: nobody listens`),
        );
      }
      const [client, server] = memoryPair([`client-of-${keyOf(endpoint)}`, keyOf(endpoint)]);
      queue.push(server);
      return Promise.resolve(client);
    },
    listen(endpoint, options = {}) {
      const bound: Endpoint = "path" in endpoint || endpoint.port !== 0
        ? endpoint
        : { hostname: endpoint.hostname, port: nextPort++ };
      const key = keyOf(bound);
      if (listeners.has(key)) {
        return Promise.reject(new CommunicationError(`cannot listen on ${key}: address in use`));
      }
      const queue = new AsyncQueue<Connection>();
      listeners.set(key, queue);
      const address: Address = "path" in bound
        ? { transport: "unix", path: bound.path }
        : { transport: "tcp", hostname: bound.hostname, port: bound.port };
      const listener: Listener = {
        address,
        accept: () => queue.next(),
        close() {
          listeners.delete(key);
          queue.close();
          return Promise.resolve();
        },
        [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
      };
      return Promise.resolve(closeOnAbort(listener, options.signal));
    },
  };
}
