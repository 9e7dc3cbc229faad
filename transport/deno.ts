/**
 * The Deno adapter: `Deno.connect` and `Deno.listen` for TCP and Unix
 * sockets, whose connections already are web streams. UDP goes through
 * `node:dgram` (Deno's own datagram API still needs an unstable flag).
 *
 * @module
 */
import { CommunicationError, ConnectionClosedError } from "../errors.ts";
import { guardConnect } from "./connect_guard.ts";
import { nodeTransport } from "./node.ts";
import {
  type Address,
  type Connection,
  type ConnectOptions,
  type Endpoint,
  formatAddress,
  type Listener,
  type Transport,
} from "./types.ts";

function toAddress(addr: Deno.Addr): Address {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return { transport: "tcp", hostname: addr.hostname, port: addr.port };
  }
  return { transport: "unix", path: (addr as Deno.UnixAddr).path };
}

class DenoConnection implements Connection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  #conn: Deno.Conn;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #error: Error | null = null;
  #closing = false;
  #markClosed!: () => void;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    this.localAddress = toAddress(conn.localAddr);
    this.remoteAddress = toAddress(conn.remoteAddr);
    this.closed = new Promise((resolve) => this.#markClosed = resolve);
    this.#writer = conn.writable.getWriter();
    this.#writer.closed.catch(() => {});
    const source = conn.readable;
    // Wrap to map socket errors to ConnectionClosedError and to notice the end of the stream.
    const reader = source.getReader();
    this.readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            this.#finish();
          } else controller.enqueue(value);
        } catch (e) {
          this.#error = new ConnectionClosedError(`connection error: ${(e as Error).message}`, {
            cause: e,
          });
          controller.error(this.#error);
          this.#finish();
        }
      },
      cancel: async () => {
        await reader.cancel().catch(() => {});
        await this.close();
      },
    }, { highWaterMark: 0 });
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#closing || this.#error) {
      throw this.#error ?? new ConnectionClosedError("cannot write: connection closed");
    }
    try {
      await this.#writer.ready;
    } catch (e) {
      throw new ConnectionClosedError(`cannot write: ${(e as Error).message}`, { cause: e });
    }
    // Accepted once queued: the writer's queue is the socket buffer here; its errors surface on the next write.
    this.#writer.write(chunk).catch((e) => {
      this.#error ??= new ConnectionClosedError(`cannot write: ${(e as Error).message}`, {
        cause: e,
      });
    });
  }

  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      await this.#writer.ready.catch(() => {});
      try {
        this.#conn.close();
      } catch { /* already closed */ }
      this.#finish();
    }
    return this.closed;
  }

  #finish(): void {
    this.#markClosed();
  }
}

async function connect(endpoint: Endpoint, options: ConnectOptions = {}): Promise<Connection> {
  const where = formatAddress(endpoint);
  options.signal?.throwIfAborted();
  const attempt: Promise<Deno.Conn> = "path" in endpoint
    ? Deno.connect({ transport: "unix", path: endpoint.path })
    : Deno.connect({ hostname: endpoint.hostname, port: endpoint.port });
  const conn = await guardConnect(attempt, where, options, (c) => c.close());
  return new DenoConnection(conn);
}

class DenoListener implements Listener {
  readonly address: Address;
  #listener: Deno.Listener;
  #closed = false;

  constructor(listener: Deno.Listener) {
    this.#listener = listener;
    this.address = toAddress(listener.addr);
  }

  async accept(): Promise<Connection | null> {
    if (this.#closed) return null;
    try {
      return new DenoConnection(await this.#listener.accept());
    } catch (e) {
      if (this.#closed || e instanceof Deno.errors.BadResource) return null;
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

function listen(endpoint: Endpoint): Promise<Listener> {
  try {
    const listener = "path" in endpoint
      ? Deno.listen({ transport: "unix", path: endpoint.path })
      : Deno.listen({ hostname: endpoint.hostname, port: endpoint.port });
    return Promise.resolve(new DenoListener(listener));
  } catch (e) {
    return Promise.reject(
      new CommunicationError(
        `cannot listen on ${formatAddress(endpoint)}: ${(e as Error).message}`,
        { cause: e },
      ),
    );
  }
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
export const denoTransport: Transport = {
  name: "deno",
  connect,
  listen,
  bindDatagram: nodeTransport.bindDatagram,
};
