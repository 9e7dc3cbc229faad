/**
 * Item streams: iterators and generators returned by remote methods, pulled
 * by clients one item per call. Python: the daemon's `streaming_responses`.
 *
 * @module
 */
import { PyroError } from "../errors.ts";

/** An iterator the daemon streams: sync or async. */
export type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

interface Stream {
  iterator: AnyIterator;
  owner: object | null;
  created: number;
  lingerSince: number | null;
}

/** True for values streamed item by item: iterators and generators, not arrays or other collections. */
export function isStreamable(
  value: unknown,
): value is AnyIterator | Iterable<unknown> | AsyncIterable<unknown> {
  if (value === null || typeof value !== "object") return false;
  if (
    Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof Map ||
    value instanceof Set
  ) return false;
  const v = value as Record<PropertyKey, unknown>;
  return typeof v.next === "function" &&
    (typeof v[Symbol.iterator] === "function" || typeof v[Symbol.asyncIterator] === "function");
}

/** The streams of one daemon, with Pyro5's lifetime and linger rules. */
export class StreamRegistry {
  readonly #streams = new Map<string, Stream>();
  readonly #lifetime: number;
  readonly #linger: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  /**
   * Creates the registry.
   *
   * @param lifetime seconds a stream may live; 0 is forever (`ITER_STREAM_LIFETIME`)
   * @param linger seconds a stream outlives its client's connection (`ITER_STREAM_LINGER`)
   */
  constructor(lifetime: number, linger: number) {
    this.#lifetime = lifetime;
    this.#linger = linger;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#streams.size;
  }

  /** Keeps an iterator; returns its new stream id. */
  add(iterator: AnyIterator, owner: object): string {
    const id = crypto.randomUUID();
    this.#streams.set(id, { iterator, owner, created: Date.now(), lingerSince: null });
    this.#timer ??= setInterval(() => this.#expire(), 2000);
    return id;
  }

  /**
   * The next item of a stream.
   *
   * @returns `{ done: true }` at the end (the stream is then gone)
   * @throws {PyroError} `item stream terminated` for an unknown or expired id
   */
  async next(id: string, puller: object): Promise<IteratorResult<unknown>> {
    this.#expire();
    const stream = this.#streams.get(id);
    if (!stream) throw new PyroError("item stream terminated");
    // Any connection may continue a stream; it then belongs to that one.
    stream.owner = puller;
    stream.lingerSince = null;
    try {
      const result = await stream.iterator.next();
      if (result.done) this.#streams.delete(id);
      return result;
    } catch (e) {
      this.#streams.delete(id);
      throw e;
    }
  }

  /** Closes a stream; unknown ids are ignored. */
  async close(id: string): Promise<void> {
    const stream = this.#streams.get(id);
    if (!stream) return;
    this.#streams.delete(id);
    await this.#finish(stream);
  }

  /** A connection went away: its streams linger, or go at once with linger 0. */
  async disconnected(owner: object): Promise<void> {
    for (const [id, stream] of this.#streams) {
      if (stream.owner !== owner) continue;
      if (this.#linger > 0) stream.lingerSince = Date.now();
      else {
        this.#streams.delete(id);
        await this.#finish(stream);
      }
    }
  }

  /** Drops every stream. */
  async closeAll(): Promise<void> {
    const all = [...this.#streams.values()];
    this.#streams.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const s of all) await this.#finish(s);
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, s] of this.#streams) {
      const tooOld = this.#lifetime > 0 && now - s.created > this.#lifetime * 1000;
      const lingeredOut = s.lingerSince !== null && now - s.lingerSince > this.#linger * 1000;
      if (tooOld || lingeredOut) {
        this.#streams.delete(id);
        void this.#finish(s);
      }
    }
    if (this.#streams.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async #finish(stream: Stream): Promise<void> {
    try {
      await stream.iterator.return?.();
    } catch { /* a generator that fails while closing: nothing to tell anyone */ }
  }
}
