/**
 * The Deno adapter: `Deno.connect` and `Deno.listen` for TCP and Unix
 * sockets, whose connections already are web streams. UDP goes through
 * `node:dgram` (Deno's own datagram API still needs an unstable flag).
 *
 * @module
 */
import { asCommunicationError, CommunicationError, ConnectionClosedError } from "../errors.ts";
import { ClosedSignal } from "./closed_signal.ts";
import { guardConnect } from "./connect_guard.ts";
import { bindNodeDatagram } from "./node_udp.ts";
import { readableOf } from "./chunk_queue.ts";
import { ReadBuffers } from "./buffers.ts";
import type { Address, ChunkReader, Connection, ConnectOptions, DatagramSocket } from "./types.ts";
import type { Endpoint, Listener, ListenOptions, RuntimeTransport } from "./types.ts";
import { closeOnAbort, formatAddress } from "./types.ts";

/** An address as Deno gives it. */
type DenoAddr =
  | { transport: "tcp" | "udp"; hostname: string; port: number }
  | { transport: "unix" | "unixpacket"; path: string };

/** The members of a `Deno.Conn` this adapter uses. */
interface DenoConn {
  readonly localAddr: DenoAddr;
  readonly remoteAddr: DenoAddr;
  readonly writable: WritableStream<Uint8Array>;
  read(into: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  setNoDelay?(on: boolean): void;
  ref(): void;
  unref(): void;
  close(): void;
}

/** The members of a `Deno.Listener` this adapter uses. */
interface DenoListenerApi {
  readonly addr: DenoAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}

/**
 * The part of the `Deno` namespace this adapter uses, declared here (as bun.ts declares Bun's)
 * so that the package type-checks without Deno's types: against a browser's DOM lib, say.
 */
interface DenoApi {
  connect(
    options: { hostname: string; port: number } | { transport: "unix"; path: string },
  ): Promise<DenoConn>;
  listen(
    options: { hostname: string; port: number } | { transport: "unix"; path: string },
  ): DenoListenerApi;
  startTls(
    conn: DenoConn,
    options: { hostname: string; caCerts?: string[] },
  ): Promise<DenoConn & { handshake(): Promise<unknown> }>;
  errors: { BadResource: new () => Error; NotCapable: new (message: string) => Error };
  permissions: {
    querySync(descriptor: { name: "net"; host: string }): { state: string };
  };
}

const deno = (): DenoApi => (globalThis as unknown as { Deno: DenoApi }).Deno;

function toAddress(addr: DenoAddr): Address {
  if ("path" in addr) return { transport: "unix", path: addr.path };
  return { transport: "tcp", hostname: addr.hostname, port: addr.port };
}

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };

/** Chunks from this size on are written through conn.writable, smaller ones with conn.write(). */
const LARGE_WRITE = 64 * 1024;

/**
 * A connection over a `Deno.Conn`, and its own chunk reader: it reads with conn.read() into a
 * buffer of ours rather than through conn.readable (no stream layer per chunk, which is much of
 * a small call's latency). What an idle connection does not need is made on first use.
 */
class DenoConnection implements Connection, ChunkReader {
  /** Deno's writes resolve once the socket took the bytes. */
  readonly writesComplete = true;
  #conn: DenoConn;
  #writing: Promise<void> | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #error: Error | null = null;
  #closing = false;
  #closed = new ClosedSignal();
  #buffers = new ReadBuffers();
  /** Where the pending read() reads into. */
  #into: Uint8Array | null = null;
  #readable: ReadableStream<Uint8Array> | null = null;

  constructor(conn: DenoConn) {
    this.#conn = conn;
    conn.setNoDelay?.(true);
  }

  // Made when asked (the daemon asks once per connection), and not kept.
  get localAddress(): Address {
    return toAddress(this.#conn.localAddr);
  }

  get remoteAddress(): Address {
    return toAddress(this.#conn.remoteAddr);
  }

  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this);
  }

  chunks(): ChunkReader {
    return this;
  }

  /** Stops reading: closes the connection. */
  cancel(): Promise<void> {
    return this.close();
  }

  async readInto(view: Uint8Array): Promise<number | null> {
    if (this.#error) throw this.#error;
    try {
      const n = await this.#conn.read(view);
      if (n === null) this.#finish();
      return n;
    } catch (e) {
      if (this.#closing && e instanceof deno().errors.BadResource) return null;
      this.#error = new ConnectionClosedError(`connection error: ${(e as Error).message}`, {
        cause: e,
      });
      this.#finish();
      throw this.#error;
    }
  }

  // No async function: an idle connection's pending read is one `then` on Deno's, not a frame.
  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#error) return Promise.reject(this.#error);
    const into = this.#into = this.#buffers.next();
    return this.#conn.read(into).then(this.#chunkRead, this.#readFailed);
  }

  readonly #chunkRead = (n: number | null): ReadableStreamReadResult<Uint8Array> => {
    if (n === null) {
      this.#finish();
      return DONE;
    }
    return { done: false, value: this.#buffers.used(this.#into!, n) };
  };

  readonly #readFailed = (e: unknown): ReadableStreamReadResult<Uint8Array> => {
    if (this.#closing && e instanceof deno().errors.BadResource) {
      this.#finish();
      return DONE;
    }
    this.#error = new ConnectionClosedError(`connection error: ${(e as Error).message}`, {
      cause: e,
    });
    this.#finish();
    throw this.#error;
  };

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closing || this.#error) {
      return Promise.reject(
        this.#error ?? new ConnectionClosedError("cannot write: connection closed"),
      );
    }
    // Straight to conn.write(), no WritableStream in between; writes go out in call order.
    const before = this.#writing;
    const done = before ? before.then(() => this.#writeAll(chunk)) : this.#writeAll(chunk);
    this.#writing = done;
    return done.then(() => {
      if (this.#writing === done) this.#writing = null;
    });
  }

  async #writeAll(chunk: Uint8Array): Promise<void> {
    try {
      if (chunk.length >= LARGE_WRITE) {
        // Deno's writable writes a large chunk whole on its side, faster than partial writes.
        this.#writer ??= this.#conn.writable.getWriter();
        await this.#writer.write(chunk);
        return;
      }
      // conn.write() may take only part of a chunk; resolves once the socket took it all.
      for (let offset = 0; offset < chunk.length;) {
        offset += await this.#conn.write(offset === 0 ? chunk : chunk.subarray(offset));
      }
    } catch (e) {
      this.#error ??= new ConnectionClosedError(`cannot write: ${(e as Error).message}`, {
        cause: e,
      });
      throw this.#error;
    }
  }

  ref(): void {
    this.#conn.ref();
  }

  unref(): void {
    this.#conn.unref();
  }

  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      await this.#writing?.catch(() => {});
      try {
        this.#conn.close();
      } catch { /* already closed */ }
      this.#finish();
    }
    return this.closed;
  }

  abort(): void {
    if (!this.#closing) {
      this.#closing = true;
      try {
        this.#conn.close();
      } catch { /* already closed */ }
      this.#finish();
    }
  }

  #finish(): void {
    this.#closed.mark();
  }
}

/** A client connection over Deno's own TLS, which shows no peer certificate: it checks it. */
class DenoTlsConnection extends DenoConnection {
  readonly peerCertificate = null;
}

async function connect(endpoint: Endpoint, options: ConnectOptions = {}): Promise<Connection> {
  const where = formatAddress(endpoint);
  options.signal?.throwIfAborted();
  const attempt: Promise<DenoConn> = "path" in endpoint
    ? deno().connect({ transport: "unix", path: endpoint.path })
    : deno().connect({ hostname: endpoint.hostname, port: endpoint.port });
  const conn = await guardConnect(attempt, where, options, (c) => c.close());
  return new DenoConnection(conn);
}

class DenoListener implements Listener {
  readonly address: Address;
  #listener: DenoListenerApi;
  #closed = false;

  constructor(listener: DenoListenerApi) {
    this.#listener = listener;
    this.address = toAddress(listener.addr);
  }

  async accept(): Promise<Connection | null> {
    if (this.#closed) return null;
    try {
      return new DenoConnection(await this.#listener.accept());
    } catch (e) {
      if (this.#closed || e instanceof deno().errors.BadResource) return null;
      throw new CommunicationError(`accept failed: ${(e as Error).message}`, { cause: e });
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch { /* already closed */ }
    }
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    for (let c = await this.accept(); c !== null; c = await this.accept()) yield c;
  }
}

function listen(endpoint: Endpoint, options: ListenOptions = {}): Promise<Listener> {
  try {
    const listener = "path" in endpoint
      ? deno().listen({ transport: "unix", path: endpoint.path })
      : deno().listen({ hostname: endpoint.hostname, port: endpoint.port });
    return Promise.resolve(closeOnAbort(new DenoListener(listener), options.signal));
  } catch (e) {
    return Promise.reject(asCommunicationError(e, `cannot listen on ${formatAddress(endpoint)}`));
  }
}

/**
 * A TLS client connection with Deno's own TLS (rustls), which checks the server's certificate and
 * its name against `hostname`, trusting `caCerts` besides the system's CAs. No client
 * certificate: Deno's TLS client cannot present one (tls.ts uses `node:tls` for that).
 *
 * Why not `Deno.connectTls`: its socket cannot be told TCP_NODELAY, and the handshake's small
 * writes then wait on delayed ACKs (measured: 51 ms per new connection, 3.9 ms this way).
 */
export async function connectDenoTls(
  endpoint: { hostname: string; port: number },
  caCerts: string[] | undefined,
  options: ConnectOptions = {},
): Promise<Connection> {
  options.signal?.throwIfAborted();
  const attempt = (async () => {
    const tcp = await deno().connect(endpoint);
    tcp.setNoDelay?.(true);
    // startTls takes the TCP connection over: from here on only the TLS one can be closed.
    const tls = await deno().startTls(tcp, { hostname: endpoint.hostname, caCerts });
    try {
      // Now, so that a refused certificate fails the connect rather than the first call.
      await tls.handshake();
      return tls;
    } catch (e) {
      try {
        tls.close();
      } catch { /* already closed */ }
      throw e;
    }
  })();
  const where = `${formatAddress(endpoint)} over TLS`;
  return new DenoTlsConnection(await guardConnect(attempt, where, options, (c) => c.close()));
}

/**
 * Throws Deno's `NotCapable` when net access to `host` is not granted: node:dgram would throw it
 * later from a callback, where no caller can catch it.
 */
function requireNet(host: string): void {
  const state = deno().permissions.querySync({ name: "net", host }).state;
  if (state !== "granted") {
    throw new (deno().errors.NotCapable)(
      `Requires net access to "${host}", run again with the --allow-net flag`,
    );
  }
}

async function bindDatagram(
  endpoint: { hostname: string; port: number },
): Promise<DatagramSocket> {
  requireNet(formatAddress(endpoint));
  const socket = await bindNodeDatagram(endpoint);
  const send = socket.send.bind(socket);
  return Object.assign(socket, {
    send(data: Uint8Array, hostname: string, port: number): Promise<void> {
      try {
        requireNet(formatAddress({ hostname, port }));
      } catch (e) {
        return Promise.reject(e);
      }
      return send(data, hostname, port);
    },
  });
}

/**
 * The Deno transport.
 *
 * @example
 * ```ts
 * import { denoTransport } from "./deno.ts";
 * const listener = await denoTransport.listen({ hostname: "127.0.0.1", port: 0 });
 * await listener.close();
 * ```
 */
export const denoTransport: RuntimeTransport = {
  name: "deno",
  connect,
  listen,
  bindDatagram,
};
