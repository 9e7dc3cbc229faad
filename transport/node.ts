/**
 * The Node adapter (`node:net`, `node:dgram`). Bun and Deno implement these
 * modules too, so this adapter runs on all three runtimes.
 *
 * @module
 */
import * as net from "node:net";
import * as dgram from "node:dgram";
import { CommunicationError, ConnectionClosedError, TimeoutError } from "../errors.ts";
import { AsyncQueue } from "./queue.ts";
import { ChunkQueue, type FlowControl, readableOf } from "./chunk_queue.ts";
import { BufferReader } from "./buffer_reader.ts";
import {
  type Address,
  type ChunkReader,
  type Connection,
  type ConnectOptions,
  type Datagram,
  type DatagramSocket,
  type Endpoint,
  formatAddress,
  type Listener,
  type Transport,
} from "./types.ts";

function addressOf(socket: net.Socket, side: "local" | "remote"): Address {
  const hostname = side === "local" ? socket.localAddress : socket.remoteAddress;
  const port = side === "local" ? socket.localPort : socket.remotePort;
  if (hostname === undefined || port === undefined) return { transport: "unix", path: "" };
  return { transport: "tcp", hostname, port };
}

/** A connection over a Node socket (a `net.Socket`, or a `tls.TLSSocket`, which is one). */
export class NodeConnection implements Connection {
  readonly closed: Promise<void>;
  /** write() resolves from Node's write callback, once the bytes are in the kernel. */
  readonly writesComplete = true;
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  #socket: net.Socket;
  #queue: ChunkQueue | BufferReader;
  #readable: ReadableStream<Uint8Array> | null = null;
  #error: Error | null = null;

  /**
   * @param nodeSocket the connected socket (a `net.Socket`)
   * @param unixPath the socket's path, for a Unix socket
   * @param reads where the socket reads into, when it was made with `onread` (see `readInto`)
   */
  // The socket is typed `object` here so that the published declarations name no `node:net`
  // type (a user's tsc without @types/node must read them); it is a net.Socket or tls.TLSSocket.
  constructor(nodeSocket: object, unixPath?: string, reads?: BufferReader) {
    const socket = nodeSocket as net.Socket;
    this.#socket = socket;
    socket.setNoDelay?.(true);
    this.localAddress = unixPath !== undefined
      ? { transport: "unix", path: unixPath }
      : addressOf(socket, "local");
    this.remoteAddress = unixPath !== undefined
      ? { transport: "unix", path: unixPath }
      : addressOf(socket, "remote");
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    let queue: ChunkQueue | BufferReader;
    if (reads) queue = reads;
    else {
      const chunks = new ChunkQueue(flowOf(() => socket));
      socket.on("data", (data: Uint8Array) => {
        // Node hands out Buffers; a plain Uint8Array view keeps the protocol code monomorphic.
        chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      });
      queue = chunks;
    }
    this.#queue = queue;
    socket.once("end", () => queue.end());
    // `on`, not `once`: a second error event without a listener would end the process.
    socket.on("error", (e: Error) => {
      this.#error ??= new ConnectionClosedError(`connection error: ${e.message}`, { cause: e });
      queue.fail(this.#error);
    });
    socket.once("close", () => queue.end());
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

/** Pause, resume and destroy of a socket, found when called (it may be made after this). */
function flowOf(socket: () => net.Socket): FlowControl {
  return {
    pause: () => socket().pause(),
    resume: () => socket().resume(),
    destroy: () => socket().destroy(),
  };
}

class NodeListener implements Listener {
  readonly address: Address;
  #server: net.Server;
  #queue: AsyncQueue<Connection>;

  constructor(server: net.Server, queue: AsyncQueue<Connection>, address: Address) {
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

function ipv4Number(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    const byte = Number(part);
    if (!/^\d{1,3}$/.test(part) || byte > 255) return null;
    n = n * 256 + byte;
  }
  return n;
}

/** This machine's IPv4 address on the subnet of `peer`, or null. */
async function interfaceOnSubnetOf(peer: string): Promise<string | null> {
  const target = ipv4Number(peer);
  if (target === null) return null;
  const { networkInterfaces } = await import("node:os");
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      const address = ipv4Number(a.address);
      const mask = ipv4Number(a.netmask);
      if (address === null || mask === null) continue;
      // Unsigned 32-bit arithmetic: the masks of both must agree.
      if (((address & mask) >>> 0) === ((target & mask) >>> 0)) return a.address;
    }
  }
  return null;
}

class NodeDatagramSocket implements DatagramSocket {
  readonly address: { hostname: string; port: number };
  #socket: dgram.Socket;
  #queue = new AsyncQueue<Datagram>();

  constructor(socket: dgram.Socket) {
    this.#socket = socket;
    const a = socket.address();
    this.address = { hostname: a.address, port: a.port };
    socket.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
      this.#queue.push({
        data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        hostname: rinfo.address,
        port: rinfo.port,
      });
    });
    socket.once("close", () => this.#queue.close());
    // A socket error (an ICMP error reported on a later send) must not end the process;
    // sends report their own errors through their callbacks.
    socket.on("error", () => {});
  }

  send(data: Uint8Array, hostname: string, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.send(
        data,
        port,
        hostname,
        (e) =>
          e
            ? reject(
              new CommunicationError(`udp send to ${hostname}:${port}: ${e.message}`, { cause: e }),
            )
            : resolve(),
      )
    );
  }

  receive(): Promise<Datagram | null> {
    return this.#queue.next();
  }

  setBroadcast(on: boolean): void {
    this.#socket.setBroadcast(on);
  }

  async localAddressToward(hostname: string, port: number): Promise<string | null> {
    // Connecting a UDP socket sends nothing; it only picks the route, and so the local address.
    const probe = dgram.createSocket(hostname.includes(":") ? "udp6" : "udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.connect(port, hostname, () => resolve());
      });
      const local = probe.address().address;
      if (local !== "0.0.0.0" && local !== "::") return local;
      // Deno's node:dgram leaves a connected socket unbound: find the interface whose subnet
      // holds the peer instead (what the route would pick on a LAN).
      return await interfaceOnSubnetOf(hostname);
    } catch {
      return null;
    } finally {
      probe.close();
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.#queue[Symbol.asyncIterator]();
  }
}

function connect(endpoint: Endpoint, options: ConnectOptions = {}): Promise<Connection> {
  const where = formatAddress(endpoint);
  return new Promise<Connection>((resolve, reject) => {
    options.signal?.throwIfAborted();
    // Reads go into buffers of ours (onread), so a large body is read straight into place rather
    // than through a fresh 64 KiB Buffer per read copied into it. Servers' sockets cannot have
    // onread in Node's API; they read by "data" events.
    const reads: BufferReader = new BufferReader(flowOf((): net.Socket => socket));
    const onread = {
      buffer: () => reads.next(),
      callback: (n: number, buffer: Uint8Array) => {
        reads.filled(n, buffer);
        return true; // the reader pauses the socket itself when it has too much
      },
    };
    const socket = "path" in endpoint
      ? net.createConnection({ path: endpoint.path, onread })
      : net.createConnection({ host: endpoint.hostname, port: endpoint.port, onread });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (e: Error) =>
      fail(new CommunicationError(`cannot connect to ${where}: ${e.message}`, { cause: e }));
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

function listen(endpoint: Endpoint): Promise<Listener> {
  const queue = new AsyncQueue<Connection>();
  const unixPath = "path" in endpoint ? endpoint.path : undefined;
  const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    queue.push(new NodeConnection(socket, unixPath));
  });
  return listenOn(server, queue, endpoint);
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
  const server = nodeServer as net.Server;
  const unixPath = "path" in endpoint ? endpoint.path : undefined;
  return new Promise((resolve, reject) => {
    server.once(
      "error",
      (e: Error) =>
        reject(
          new CommunicationError(`cannot listen on ${formatAddress(endpoint)}: ${e.message}`, {
            cause: e,
          }),
        ),
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

function bindDatagram(endpoint: { hostname: string; port: number }): Promise<DatagramSocket> {
  const socket = dgram.createSocket({
    type: endpoint.hostname.includes(":") ? "udp6" : "udp4",
    reuseAddr: true,
  });
  return new Promise((resolve, reject) => {
    socket.once(
      "error",
      (e: Error) =>
        reject(
          new CommunicationError(`cannot bind udp ${formatAddress(endpoint)}: ${e.message}`, {
            cause: e,
          }),
        ),
    );
    socket.bind(endpoint.port, endpoint.hostname, () => resolve(new NodeDatagramSocket(socket)));
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
export const nodeTransport: Transport = { name: "node", connect, listen, bindDatagram };
