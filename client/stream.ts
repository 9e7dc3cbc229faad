/**
 * Remote iterators and generators as async iterables. Python:
 * `Pyro5.client._StreamResultIterator`.
 *
 * @module
 */
import { RemoteError } from "../errors.ts";

/** The proxy members a stream needs. */
export interface StreamOwner {
  /** Calls a method, here on the daemon object. */
  _pyroInvoke(
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
    options?: { objectId?: string; signal?: AbortSignal },
  ): Promise<unknown>;
  /** Closes a stream on the server, oneway. */
  _pyroCloseStream(streamId: string): Promise<void>;
}

/**
 * The items a remote iterator or generator produces, fetched one call at a
 * time. Leaving a `for await` early closes the stream on the server.
 *
 * @example
 * ```ts
 * import { Daemon, expose, Proxy } from "@pyro5/pyro5";
 * const file = expose({ *lines(n: number) { for (let i = 0; i < n; i++) yield `line ${i}`; } });
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * await using proxy = new Proxy(daemon.register(file));
 * for await (const line of await proxy.lines(100)) {
 *   if (line === "line 2") break; // closes the stream on the server
 * }
 * ```
 */
export class ItemStream<T = unknown> implements AsyncIterableIterator<T> {
  /** The server's stream id. */
  readonly streamId: string;
  #owner: StreamOwner | null;

  /**
   * Creates an instance.
   * @param streamId the id from the reply's STRM annotation
   * @param owner the proxy that made the call
   */
  constructor(streamId: string, owner: StreamOwner) {
    this.streamId = streamId;
    this.#owner = owner;
  }

  /** The next item. */
  async next(): Promise<IteratorResult<T>> {
    const owner = this.#owner;
    if (!owner) return { done: true, value: undefined };
    try {
      const value = await owner._pyroInvoke("get_next_stream_item", [this.streamId], {}, {
        objectId: "Pyro.Daemon",
      });
      return { done: false, value: value as T };
    } catch (e) {
      // The server has dropped the stream by itself in both cases.
      this.#owner = null;
      if (e instanceof RemoteError && e.pythonClass.endsWith("StopIteration")) {
        return { done: true, value: undefined };
      }
      throw e;
    }
  }

  /** Closes the stream on the server (called when a `for await` is left early). */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    await this.close();
    return { done: true, value: value as T };
  }

  /** Closes the stream on the server; further `next()` calls report the end. */
  async close(): Promise<void> {
    const owner = this.#owner;
    this.#owner = null;
    if (owner) await owner._pyroCloseStream(this.streamId);
  }

  /** The stream itself. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Closes the stream (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
