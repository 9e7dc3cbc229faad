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
  /** Free for the daemon's own use, e.g. to remember what the handshake said. */
  readonly data: Record<string, unknown> = {};
  /** Session instances of registered classes, by class. */
  readonly instances: Map<AnyClass, object> = new Map();
  readonly #resources = new Set<TrackedResource>();

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
    this.#resources.add(resource);
  }

  /** Stops tracking `resource`. */
  untrackResource(resource: TrackedResource): void {
    this.#resources.delete(resource);
  }

  /** Closes the tracked resources. */
  async closeResources(): Promise<void> {
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
    for (const instance of this.instances.values()) {
      try {
        await (instance as { close?: () => unknown }).close?.();
      } catch { /* a session object that fails to close: the client is gone anyway */ }
    }
  }
}
