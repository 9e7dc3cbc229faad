/**
 * One client connection as the daemon's own code sees it (`validateHandshake`,
 * `clientDisconnect`, the call context's `client`). Python: the daemon's connection object.
 *
 * @module
 */
import type { TrackedResource } from "../context.ts";
import { getLogger } from "../logging.ts";
import type { AnyClass } from "../expose.ts";
import { type Connection, formatAddress, type PeerCertificate } from "../transport/types.ts";

const log = getLogger("Pyro5.server");

/** One client connection as the daemon sees it; passed to `validateHandshake` and `clientDisconnect`. */
export class ClientConnection {
  /** The underlying connection. */
  readonly connection: Connection;
  /** The client's address as text (`host:port` or a socket path). */
  readonly address: string;
  /**
   * Over TLS, the certificate the client presented (null when it presented none); undefined
   * for a plain connection. Python: `conn.getpeercert()`.
   */
  get peerCertificate(): PeerCertificate | null | undefined {
    return this.connection.peerCertificate;
  }
  // Made on first use: most connections never need them, and an idle one should hold little.
  #data: Record<string, unknown> | null = null;
  #instances: Map<AnyClass, object> | null = null;
  #resources: Set<TrackedResource> | null = null;

  /** Free for the daemon's own use, e.g. to remember what the handshake said. */
  get data(): Record<string, unknown> {
    return this.#data ??= {};
  }

  /** Session instances of registered classes, by class. */
  get instances(): Map<AnyClass, object> {
    return this.#instances ??= new Map();
  }

  /**
   * Creates the record of a connection.
   *
   * @param connection the accepted connection
   */
  constructor(connection: Connection) {
    this.connection = connection;
    this.address = formatAddress(connection.remoteAddress);
  }

  /** Closes `resource` when this client goes away. */
  trackResource(resource: TrackedResource): void {
    (this.#resources ??= new Set()).add(resource);
  }

  /** Stops tracking `resource`. */
  untrackResource(resource: TrackedResource): void {
    this.#resources?.delete(resource);
  }

  /** Closes the tracked resources. */
  async closeResources(): Promise<void> {
    if (this.#resources === null) return;
    for (const r of [...this.#resources]) {
      try {
        await r.close();
      } catch (e) {
        log.warning(`closing a tracked resource failed: ${e}`);
      }
    }
    this.#resources.clear();
  }

  /** Closes the session instances that have a `close()` (the client is gone). */
  async closeInstances(): Promise<void> {
    if (this.#instances === null) return;
    for (const instance of this.#instances.values()) {
      try {
        await (instance as { close?: () => unknown }).close?.();
      } catch { /* a session object that fails to close: the client is gone anyway */ }
    }
  }
}
