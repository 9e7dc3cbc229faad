/**
 * The transport interface: everything the protocol core needs from a
 * runtime's networking, and nothing more. Adapters for Deno, Bun and Node
 * implement it; the core never names a runtime.
 *
 * @module
 */

/** Where a stream socket is: a TCP host and port, or a Unix socket path. */
export type Address =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/** What to connect to or listen on. */
export type Endpoint = { hostname: string; port: number } | { path: string };

/** Pulls received chunks one at a time: the part of a `ReadableStreamDefaultReader` the protocol uses. */
export interface ChunkReader {
  /** The next chunk, or `done` at the end of the stream. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** Stops reading and drops the connection's incoming side. */
  cancel(reason?: unknown): Promise<void>;
  /**
   * Optional: reads the next bytes straight into `view` (no chunk of the transport's own in
   * between, no copy); resolves to how many, or null at the end of the stream.
   */
  readInto?(view: Uint8Array): Promise<number | null>;
  /**
   * Optional: the consumer copied every byte of `chunk`, a chunk this reader gave it, and keeps no
   * view of it; a reader whose chunks each own their memory may free it now rather than at the
   * next garbage collection.
   */
  release?(chunk: Uint8Array): void;
}

/** One open byte-stream connection. */
export interface Connection {
  /** Bytes from the peer; pulling from it is what reads from the socket (backpressure). */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * The same bytes as `readable` without a web stream in between, for a consumer that reads
   * chunk by chunk (the message readers); optional. Use either this or `readable`, not both.
   */
  chunks?(): ChunkReader;
  /**
   * Writes bytes. Resolves once the transport accepted all of them, waiting
   * for the socket to drain when its buffer is full. The caller must not
   * change `chunk` afterwards.
   *
   * @throws {ConnectionClosedError} when the connection is closed
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * True when `write()` resolves only once the runtime no longer needs the chunk (its bytes are
   * in the kernel), so the writer may free or reuse it then. A transport whose writes resolve
   * while the chunk still waits in a queue of its own leaves this unset.
   */
  readonly writesComplete?: boolean;
  /** Closes the connection after pending writes; resolves when it is closed. */
  close(): Promise<void>;
  /** Optional: the open socket keeps the process alive again (the default). */
  ref?(): void;
  /** Optional: the open socket no longer keeps the process alive (an idle client connection). */
  unref?(): void;
  /**
   * Optional: drops the connection at once, discarding writes not yet done (a peer stuck past a
   * timeout); pending and later writes reject.
   */
  abort?(): void;
  /**
   * Resolves when the connection has closed: by `close()` here, or once the
   * end of the peer's stream has been read from `readable`.
   */
  readonly closed: Promise<void>;
  /** This side's address. */
  readonly localAddress: Address;
  /** The peer's address. */
  readonly remoteAddress: Address;
  /**
   * Over TLS, the certificate the peer presented (null when it presented none); undefined on a
   * connection that is not TLS.
   */
  readonly peerCertificate?: PeerCertificate | null;
}

/** A peer's TLS certificate, as `validateHandshake` and the call context see it. */
export interface PeerCertificate {
  /** The subject's fields, e.g. `{ CN: "client one", O: "Example" }`. */
  readonly subject: Readonly<Record<string, string>>;
  /** The issuer's fields. */
  readonly issuer: Readonly<Record<string, string>>;
  /** Subject alternative names, e.g. `["DNS:localhost", "IP Address:127.0.0.1"]`. */
  readonly subjectAltNames: readonly string[];
  /** The SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint256: string;
  /** The serial number, hex. */
  readonly serialNumber: string;
  /** Valid from (as the certificate says, e.g. `Dec  2 17:08:06 2026 GMT`). */
  readonly validFrom: string;
  /** Valid until. */
  readonly validTo: string;
  /** True when the certificate was checked against the trusted CAs and passed. */
  readonly authorized: boolean;
}

/** A listening socket. */
export interface Listener extends AsyncIterable<Connection> {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Address;
  /** The next connection, or null once the listener is closed. */
  accept(): Promise<Connection | null>;
  /** Stops listening and frees the address; open connections stay open. */
  close(): Promise<void>;
}

/** One received datagram. */
export interface Datagram {
  /** The bytes. */
  data: Uint8Array;
  /** Sender host. */
  hostname: string;
  /** Sender port. */
  port: number;
}

/** A UDP socket (for name server broadcast discovery). */
export interface DatagramSocket extends AsyncIterable<Datagram> {
  /** The bound address. */
  readonly address: { hostname: string; port: number };
  /** Sends one datagram. */
  send(data: Uint8Array, hostname: string, port: number): Promise<void>;
  /** The next datagram, or null once closed. */
  receive(): Promise<Datagram | null>;
  /** Allows sending to broadcast addresses. */
  setBroadcast(on: boolean): void;
  /**
   * Optional: this machine's address on the interface that reaches `hostname` (what a UDP
   * socket connected there is bound to), or null when there is no route. Python:
   * `Pyro5.socketutil.get_interface`.
   */
  localAddressToward?(hostname: string, port: number): Promise<string | null>;
  /** Closes the socket. */
  close(): Promise<void>;
}

/** Options of {@linkcode Transport.connect}. */
export interface ConnectOptions {
  /** Gives up connecting when aborted. */
  signal?: AbortSignal;
  /** Seconds to wait for the connection. */
  timeout?: number;
}

/** Options of {@linkcode ListeningTransport.listen}. */
export interface ListenOptions {
  /** Closes the listener when aborted (as `listener.close()` does). */
  signal?: AbortSignal;
}

/**
 * A way to open connections: the one capability every transport has. A connect-only transport
 * (a browser's WebSocket, a worker's `connect()`) is complete with just this; listening and
 * datagrams are the separate capabilities {@linkcode ListeningTransport} and
 * {@linkcode DatagramTransport}, which a `Daemon` and broadcast discovery ask for by type.
 */
export interface Transport {
  /** The adapter's name: `deno`, `bun`, `node`, `tls`, `memory`, ... */
  readonly name: string;
  /** Opens a connection. */
  connect(endpoint: Endpoint, options?: ConnectOptions): Promise<Connection>;
}

/** A transport that can also listen: what a `Daemon` needs. */
export interface ListeningTransport extends Transport {
  /** Listens for connections; port 0 picks a free port. */
  listen(endpoint: Endpoint, options?: ListenOptions): Promise<Listener>;
}

/** A transport that can also bind UDP sockets: what broadcast discovery needs. */
export interface DatagramTransport extends Transport {
  /** Binds a UDP socket; port 0 picks a free port. */
  bindDatagram(endpoint: { hostname: string; port: number }): Promise<DatagramSocket>;
}

/**
 * A transport that resolves `PYRONAME:` names itself: one that reaches daemons only through a
 * bridge (a page's WebSocket), whose name server is the bridge's.
 */
export interface NameResolvingTransport extends Transport {
  /** The PYRO URI registered under `name`, as text. */
  resolveName(name: string, options?: ConnectOptions): Promise<string>;
}

/** A runtime's networking, every capability: the Deno, Bun and Node adapters. */
export type RuntimeTransport = ListeningTransport & DatagramTransport;

/**
 * Whether `transport` can listen.
 *
 * @param transport any transport
 * @returns true when it has `listen`
 * @example
 * ```ts
 * import { canListen, memoryTransport } from "@pyro5/pyro5";
 * console.log(canListen(memoryTransport())); // true
 * ```
 */
export function canListen(transport: Transport): transport is ListeningTransport {
  return typeof (transport as Partial<ListeningTransport>).listen === "function";
}

/**
 * Whether `transport` can bind UDP sockets.
 *
 * @param transport any transport
 * @returns true when it has `bindDatagram`
 * @example
 * ```ts
 * import { hasDatagrams, memoryTransport } from "@pyro5/pyro5";
 * console.log(hasDatagrams(memoryTransport())); // false: it has no UDP
 * ```
 */
export function hasDatagrams(transport: Transport): transport is DatagramTransport {
  return typeof (transport as Partial<DatagramTransport>).bindDatagram === "function";
}

/**
 * Whether `transport` resolves names itself.
 *
 * @param transport any transport
 * @returns true when it has `resolveName`
 * @example
 * ```ts
 * import { canResolveNames, memoryTransport } from "@pyro5/pyro5";
 * console.log(canResolveNames(memoryTransport())); // false: proxies ask a name server
 * ```
 */
export function canResolveNames(transport: Transport): transport is NameResolvingTransport {
  return typeof (transport as Partial<NameResolvingTransport>).resolveName === "function";
}

/**
 * Makes `listener` close when `signal` aborts; the adapters' `listen` share it.
 *
 * @param listener the listener
 * @param signal the signal, if any
 * @returns the listener
 */
export function closeOnAbort(listener: Listener, signal: AbortSignal | undefined): Listener {
  if (!signal) return listener;
  const close = () => void listener.close();
  if (signal.aborted) close();
  else signal.addEventListener("abort", close, { once: true });
  return listener;
}

/** Formats an address as Pyro shows locations: `host:port`, `[ipv6]:port` or `./u:path`. */
export function formatAddress(address: Address | Endpoint): string {
  if ("path" in address) return `./u:${address.path}`;
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}
