/**
 * The daemon's own object, registered in every daemon as `Pyro.Daemon`: what a client asks a
 * daemon about itself (metadata, the next item of a stream). Python: `Pyro5.server.DaemonObject`.
 *
 * @module
 */
import { activeContext } from "../context.ts";
import { asPythonError } from "../errors.ts";
import { expose, type Metadata } from "../expose.ts";
import { DAEMON_NAME } from "../protocol/constants.ts";

/** What the daemon object asks of its daemon. */
export interface DaemonObjectHost {
  /** Where clients reach the daemon. */
  readonly locationStr: string;
  /** Where clients behind NAT reach it, or null. */
  readonly natLocationStr: string | null;
  /** What serves the connections, as text. */
  readonly transportServer: string;
  /** Ids of the registered objects. */
  registeredIds(): string[];
  /** Metadata of a registered object. */
  metadataFor(objectId: string): Metadata;
}

/** The item streams the daemon object hands out items of: its daemon's. */
export interface ItemStreams {
  /** The next item of a stream, asked for by `client`. */
  next(streamId: string, client: object): Promise<IteratorResult<unknown>>;
  /** Closes a stream; unknown ids are ignored. */
  close(streamId: string): Promise<void>;
}

/**
 * The daemon's own object, `Pyro.Daemon`. Python: `Pyro5.server.DaemonObject`.
 *
 * @example
 * ```ts
 * import { Daemon, DAEMON_NAME, memoryTransport, Proxy } from "@pyro5/pyro5";
 * const transport = memoryTransport();
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 9090, transport });
 * await using remote = new Proxy(daemon.uriFor(DAEMON_NAME), { transport });
 * console.log(await remote.info());
 * // Pyro.Daemon bound on 127.0.0.1:9090, NAT None, 1 objects registered. Servertype:
 * // <AsyncServer on 127.0.0.1:9090; memory transport>
 * ```
 */
export class DaemonObject {
  readonly #daemon: DaemonObjectHost;
  readonly #streams: ItemStreams;

  /**
   * Creates the daemon object.
   *
   * @param daemon the daemon it answers for
   * @param streams the daemon's item streams
   */
  constructor(daemon: DaemonObjectHost, streams: ItemStreams) {
    this.#daemon = daemon;
    this.#streams = streams;
  }

  /** Ids of the registered objects. */
  registered(): string[] {
    return this.#daemon.registeredIds();
  }

  /** Does nothing: a client's way to see the daemon is there. */
  ping(): null {
    return null;
  }

  /** A line about the daemon, in Python's words (`Pyro.Daemon bound on ..., NAT ..., ...`). */
  info(): string {
    const daemon = this.#daemon;
    return `${DAEMON_NAME} bound on ${daemon.locationStr}, NAT ${
      daemon.natLocationStr ?? "None"
    }, ${daemon.registeredIds().length} objects registered. Servertype: ${daemon.transportServer}`;
  }

  /** Metadata of a registered object: exposed methods, oneway methods, attributes. */
  get_metadata(objectId: string): Metadata {
    return this.#daemon.metadataFor(objectId);
  }

  /** The next item of a stream; Python's StopIteration at the end. */
  async get_next_stream_item(streamId: string): Promise<unknown> {
    const client = activeContext().client as object;
    const result = await this.#streams.next(streamId, client);
    if (result.done) throw asPythonError(new Error(""), "builtins.StopIteration");
    return result.value;
  }

  /** Closes a stream; unknown ids are ignored. */
  async close_stream(streamId: string): Promise<void> {
    await this.#streams.close(streamId);
  }
}

// The daemon object's own methods are what clients may call on it.
expose(
  DaemonObject,
  "registered",
  "ping",
  "info",
  "get_metadata",
  "get_next_stream_item",
  "close_stream",
);
