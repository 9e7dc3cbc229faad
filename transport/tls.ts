/**
 * TLS over `node:tls`, on Deno, Bun and Node alike: Pyro5's SSL, one-way (the server's
 * certificate) and two-way (client certificates too), with custom CAs and password-protected
 * keys. Python: `Pyro5.socketutil.get_ssl_context` and the `SSL_*` config items.
 *
 * Why `node:tls` for servers: Deno's own TLS server cannot ask for client certificates
 * (denoland/deno#26825) nor set TCP_NODELAY, and Bun's native listener does not show them, while
 * all three runtimes' `node:tls` do (checked here: Deno 2.9, Bun 1.4, Node 24). Deno's clients
 * without a certificate of their own use Deno's TLS (see `connectDenoTls`), which its `node:tls`
 * is built on, one layer less per read and write. Two runtime notes: Deno's `node:tls`
 * cannot load encrypted keys, so such a key is decrypted here first (PKCS#8 with AES, see
 * `pkcs8.ts`); and rustls, under Deno, refuses version-1 certificates (make them with X.509v3
 * extensions, as `openssl x509 -extfile` does).
 *
 * Deno's own `listenTls`, where no client certificate is asked for, would be cheaper per call:
 * with every process on one CPU, sequential calls to it from a Deno client ran at 33k/s against
 * 27k with `node:tls` (Deno 2.9.6; its sockets now have TCP_NODELAY, so the 40 ms wait for a
 * delayed ACK that earlier versions gave each new connection is gone). But it cannot bound a
 * handshake: closing a TlsConn whose handshake has not finished leaves its socket open until the
 * peer ends it (Deno finishes the handshake before shutting down, with no timeout; checked: a
 * silent TCP client was still connected 40 s after close()), so each client that connects and
 * says nothing would keep a descriptor for as long as it likes.
 *
 * As in Pyro5, a client checks the server's certificate against the CAs and its host name (or
 * IP address) against the URI's host; the custom CAs are trusted besides the system's.
 *
 * @module
 */
import type * as tlsTypes from "node:tls";
import type { ConfigItems } from "../config.ts";
import { asCommunicationError, CommunicationError } from "../errors.ts";
import { guardConnect } from "./connect_guard.ts";
import { AsyncQueue } from "./queue.ts";
import { listenOn, NodeConnection, ownReads } from "./node.ts";
import type { BufferReader } from "./buffer_reader.ts";
import { decryptPrivateKey, isEncryptedKey } from "./pkcs8.ts";
import type { Connection, ConnectOptions, Endpoint, Listener, PeerCertificate } from "./types.ts";
import type { RuntimeTransport } from "./types.ts";
import { closeOnAbort, formatAddress } from "./types.ts";
import { bindNodeDatagram } from "./node_udp.ts";
import { bunQuickAck } from "./bun_quickack.ts";

/** What a TLS client presents and trusts (PEM text, not file names). */
export interface TlsClientOptions {
  /** CA certificates to trust besides the system's (Python: `SSL_CACERTS`). */
  ca?: string;
  /** The client certificate, for servers that require one (Python: `SSL_CLIENTCERT`). */
  cert?: string;
  /** The client certificate's key (Python: `SSL_CLIENTKEY`). */
  key?: string;
  /** The key's password (Python: `SSL_CLIENTKEYPASSWD`). */
  passphrase?: string;
}

/** What a TLS server presents and asks for (PEM text, not file names). */
export interface TlsServerOptions {
  /** The server certificate (Python: `SSL_SERVERCERT`). */
  cert: string;
  /** Its key (Python: `SSL_SERVERKEY`). */
  key: string;
  /** The key's password (Python: `SSL_SERVERKEYPASSWD`). */
  passphrase?: string;
  /** CA certificates that client certificates must come from (Python: `SSL_CACERTS`). */
  ca?: string;
  /** Refuse clients without a valid certificate (Python: `SSL_REQUIRECLIENTCERT`). */
  requireClientCert?: boolean;
  /** Seconds a client may take to complete the TLS handshake (default 10). */
  handshakeTimeout?: number;
}

/** The `SSL_*` config items the TLS transport reads. */
export type TlsConfig = Pick<
  ConfigItems,
  | "SSL_SERVERCERT"
  | "SSL_SERVERKEY"
  | "SSL_SERVERKEYPASSWD"
  | "SSL_REQUIRECLIENTCERT"
  | "SSL_CLIENTCERT"
  | "SSL_CLIENTKEY"
  | "SSL_CLIENTKEYPASSWD"
  | "SSL_CACERTS"
>;

let tlsModule: Promise<typeof tlsTypes> | null = null;
const nodeTls = () => tlsModule ??= import("node:tls");

const isDeno = () => "Deno" in globalThis;
const isBun = () => "Bun" in globalThis;

/** A key as `node:tls` of this runtime can load it, with the passphrase it still needs. */
async function usableKey(
  key: string | undefined,
  passphrase: string | undefined,
): Promise<{ key?: string; passphrase?: string }> {
  if (key === undefined) return {};
  if (isDeno() && isEncryptedKey(key)) {
    if (!passphrase) throw new TypeError("the private key is encrypted: give its password");
    return { key: await decryptPrivateKey(key, passphrase) };
  }
  return { key, passphrase: passphrase || undefined };
}

function fields(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out[k] = Array.isArray(v) ? v.join(", ") : String(v);
    }
  }
  return out;
}

/** The peer's certificate as we show it, or null when it presented none. */
function peerCertificateOf(socket: tlsTypes.TLSSocket): PeerCertificate | null {
  const c = socket.getPeerCertificate();
  if (!c || Object.keys(c).length === 0 || !c.fingerprint256) return null;
  return Object.freeze({
    subject: Object.freeze(fields(c.subject)),
    issuer: Object.freeze(fields(c.issuer)),
    subjectAltNames: Object.freeze(
      (c.subjectaltname ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""),
    ),
    fingerprint256: c.fingerprint256,
    serialNumber: c.serialNumber ?? "",
    validFrom: c.valid_from ?? "",
    validTo: c.valid_to ?? "",
    authorized: socket.authorized === true,
  });
}

/** A connection over a TLS socket: a Node connection that also knows the peer's certificate. */
class TlsConnection extends NodeConnection {
  readonly #socket: tlsTypes.TLSSocket;
  /** Undefined until read. */
  #peerCertificate: PeerCertificate | null | undefined;

  /**
   * @param socket the connected socket
   * @param reads its reader, when it reads into ours (a client's)
   * @param readCertificateNow read the peer's certificate now (a server's: its calls read it
   *   while the client is connected) rather than when first asked (a client's, which Pyro never
   *   reads; node:tls decodes the whole certificate for it: 0.23 ms per new connection in a CPU
   *   profile of bench/tls_client.ts on Node 24, 238 ms in 1,030 connections)
   */
  constructor(socket: tlsTypes.TLSSocket, reads?: BufferReader, readCertificateNow = false) {
    super(socket, undefined, reads);
    this.#socket = socket;
    if (readCertificateNow) this.#peerCertificate = peerCertificateOf(socket);
  }

  get peerCertificate(): PeerCertificate | null {
    if (this.#peerCertificate === undefined) {
      this.#peerCertificate = peerCertificateOf(this.#socket);
    }
    return this.#peerCertificate;
  }
}

/**
 * The runtime's cipher list with AES-128-GCM first: the suite every TLS 1.3 peer must implement
 * (RFC 8446, 9.1) and browsers' first choice, against OpenSSL's AES-256-GCM first. Measured on
 * Node 24, 10 MB results: 726 MB/s against 547 (plain TCP: 828).
 */
function ciphersOf(tls: typeof tlsTypes): string {
  const first = "TLS_AES_128_GCM_SHA256";
  const rest = (tls.DEFAULT_CIPHERS ?? "").split(":").filter((c) => c !== "" && c !== first);
  return [first, ...rest].join(":");
}

function trusted(tls: typeof tlsTypes, ca: string | undefined): string[] | undefined {
  if (!ca) return undefined;
  // Like Python's create_default_context plus load_verify_locations: the system's CAs and these.
  return [...(tls.rootCertificates ?? []), ca];
}

/** What a client's secure context holds: trusted CAs, its certificate and key, our ciphers. */
function clientContextOptions(
  tls: typeof tlsTypes,
  client: TlsClientOptions,
  key: { key?: string; passphrase?: string },
): tlsTypes.SecureContextOptions {
  return { ca: trusted(tls, client.ca), cert: client.cert, ...key, ciphers: ciphersOf(tls) };
}

/**
 * Client secure contexts by what they hold, made once per process: given `ca`, `node:tls` parses
 * every PEM certificate again for each connection, and with the system's CAs beside a custom one
 * that is about 150 of them. Measured on Node 24, a new TLS connection and one round trip: 11-12
 * ms with the CA list per connection, 3.0-3.4 with a shared context (Bun 1.9-3.1 against 1.7).
 * Deno's `node:tls` reads the context's CAs again per connection (20 ms either way), so Deno keeps
 * passing options.
 */
const clientContexts = new Map<string, tlsTypes.SecureContext>();
const MAX_CLIENT_CONTEXTS = 16;

function clientContext(
  tls: typeof tlsTypes,
  client: TlsClientOptions,
  key: { key?: string; passphrase?: string },
): tlsTypes.SecureContext {
  const id = [client.ca, client.cert, key.key, key.passphrase].map((s) => s ?? "").join("\0");
  let context = clientContexts.get(id);
  if (context === undefined) {
    context = tls.createSecureContext(clientContextOptions(tls, client, key));
    // A process holds a handful of TLS configurations; the oldest goes past that.
    if (clientContexts.size >= MAX_CLIENT_CONTEXTS) {
      clientContexts.delete(clientContexts.keys().next().value!);
    }
    clientContexts.set(id, context);
  }
  return context;
}

async function connectTls(
  endpoint: Endpoint,
  client: TlsClientOptions,
  options: ConnectOptions,
): Promise<Connection> {
  if ("path" in endpoint) {
    throw new CommunicationError("TLS over a Unix socket is not supported: use TCP");
  }
  options.signal?.throwIfAborted();
  if (isDeno() && client.cert === undefined) {
    // Deno's own TLS client: faster than its node:tls, but it cannot present a certificate.
    const { connectDenoTls } = await import("./deno.ts");
    return connectDenoTls(endpoint, client.ca ? [client.ca] : undefined, options);
  }
  const tls = await nodeTls();
  const where = formatAddress(endpoint);
  const key = await usableKey(client.key, client.passphrase);
  const isIp = /^[\d.]+$/.test(endpoint.hostname) || endpoint.hostname.includes(":");
  // Reads into our buffers, as the plain Node client does. Measured on Node 24, 10 MB results:
  // client CPU 22-32 ms per result against 30-42 with "data" events (4 rounds each, alternating).
  const own = ownReads();
  const socket = tls.connect({
    // In Node's tls.connect (and Bun's, Deno's) though not in its type: passed on to net.Socket.
    ...{ onread: own.onread } as object,
    host: endpoint.hostname,
    port: endpoint.port,
    // The certificate must name the URI's host, as Python's server_hostname check does.
    servername: isIp ? undefined : endpoint.hostname,
    ...(isDeno()
      ? clientContextOptions(tls, client, key)
      : { secureContext: clientContext(tls, client, key) }),
    rejectUnauthorized: true,
  });
  // The handshake's small writes go out at once rather than waiting on delayed ACKs.
  own.attach(socket);
  socket.setNoDelay(true);
  const attempt = new Promise<tlsTypes.TLSSocket>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
  await guardConnect(attempt, `${where} over TLS`, options, (s) => s.destroy()).catch((e) => {
    socket.destroy();
    throw e;
  });
  return new TlsConnection(socket, own.reads);
}

async function listenTls(endpoint: Endpoint, server: TlsServerOptions): Promise<Listener> {
  if ("path" in endpoint) {
    throw new CommunicationError("TLS over a Unix socket is not supported: use TCP");
  }
  const tls = await nodeTls();
  const key = await usableKey(server.key, server.passphrase);
  const queue = new AsyncQueue<Connection>();
  const requireClientCert = server.requireClientCert === true;
  // The client's TLS Finished must be ACKed now. OpenSSL (Node) and rustls (Deno) send their
  // session tickets after it, which carry the ACK; Bun's BoringSSL holds them until our first
  // write (a zero-byte write would flush them, but Bun drops those), so the kernel ACKs only
  // when its delayed-ACK timer fires, 40 ms on. A client with Nagle on, as Pyro5's are by
  // default, holds its first request until then: measured, 45 ms per new connection, not 1.
  const ackNow = isBun() ? bunQuickAck() : undefined;
  const tlsServer = tls.createServer({
    cert: server.cert,
    ...key,
    ca: server.ca || undefined,
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
    ciphers: ciphersOf(tls),
    honorCipherOrder: true,
    noDelay: true, // the handshake's small writes at once (measured: 10-25 ms less per connection)
    // A client that never finishes its handshake is dropped; others are accepted meanwhile.
    handshakeTimeout: (server.handshakeTimeout ?? 10) * 1000,
  }, (socket) => {
    ackNow?.(socket);
    queue.push(new TlsConnection(socket, undefined, true));
  });
  // A failed handshake (plain TCP, no or a foreign certificate) ends that socket only.
  tlsServer.on("tlsClientError", (_e: Error, socket: { destroy(): void }) => socket.destroy());
  return listenOn(tlsServer, queue, endpoint);
}

/**
 * A transport whose connections are TLS: `connect` as a client with `client`, `listen` as a
 * server with `server`. Datagrams (broadcast discovery) stay plain UDP, as in Pyro5.
 *
 * @param options the client side, the server side, or both
 * @returns the transport
 * @example
 * ```ts
 * import { Proxy } from "@pyro5/pyro5";
 * import { tlsTransport } from "./tls.ts";
 * // The CA that signed the server's certificate, PEM text (here: none but the system's).
 * const transport = tlsTransport({ client: { ca: undefined } });
 * await using proxy = new Proxy("PYRO:obj@localhost:9999", { transport }); // connects on first call
 * ```
 */
export function tlsTransport(
  options: { client?: TlsClientOptions; server?: TlsServerOptions },
): RuntimeTransport {
  return {
    name: "tls",
    connect: (endpoint, connectOptions = {}) =>
      connectTls(endpoint, options.client ?? {}, connectOptions),
    listen: async (endpoint, listenOptions = {}) => {
      if (!options.server) {
        throw new CommunicationError("cannot listen with TLS: no server certificate and key given");
      }
      return closeOnAbort(await listenTls(endpoint, options.server), listenOptions.signal);
    },
    bindDatagram: bindNodeDatagram,
  };
}

async function readText(path: string, what: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw asCommunicationError(e, `cannot read ${what} ${path}`);
  }
}

/**
 * The TLS transport Pyro5's `SSL_*` config items describe: files read once, here.
 *
 * @param config the config items
 * @param side `client` for proxies, `server` for daemons
 * @returns the transport
 * @throws {CommunicationError} when a file cannot be read, or a server has no certificate
 */
export async function tlsTransportFromConfig(
  config: TlsConfig,
  side: "client" | "server",
): Promise<RuntimeTransport> {
  const ca = config.SSL_CACERTS ? await readText(config.SSL_CACERTS, "SSL_CACERTS") : undefined;
  if (side === "client") {
    const cert = config.SSL_CLIENTCERT
      ? await readText(config.SSL_CLIENTCERT, "SSL_CLIENTCERT")
      : undefined;
    // Like Python's load_cert_chain: the key may be in the certificate file.
    const key = config.SSL_CLIENTKEY
      ? await readText(config.SSL_CLIENTKEY, "SSL_CLIENTKEY")
      : cert?.includes("PRIVATE KEY")
      ? cert
      : undefined;
    return tlsTransport({ client: { ca, cert, key, passphrase: config.SSL_CLIENTKEYPASSWD } });
  }
  if (!config.SSL_SERVERCERT) {
    throw new CommunicationError("SSL is on but SSL_SERVERCERT is not set: a TLS server needs one");
  }
  const cert = await readText(config.SSL_SERVERCERT, "SSL_SERVERCERT");
  const key = config.SSL_SERVERKEY ? await readText(config.SSL_SERVERKEY, "SSL_SERVERKEY") : cert;
  return tlsTransport({
    // A daemon's own callbacks and proxies it makes connect as clients with the same CAs.
    client: { ca },
    server: {
      cert,
      key,
      passphrase: config.SSL_SERVERKEYPASSWD,
      ca,
      requireClientCert: config.SSL_REQUIRECLIENTCERT,
    },
  });
}
