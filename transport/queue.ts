/**
 * A small async queue: producers push, one consumer awaits `next()`. Used
 * for accepted connections and received datagrams.
 *
 * @module
 */

/** An unbounded queue with an awaitable `next()`; `close()` ends it. */
export class AsyncQueue<T> {
  #items: Array<{ item: T } | { error: Error }> = [];
  #waiters: Array<{ resolve(value: T | null): void; reject(e: Error): void }> = [];
  #closed = false;

  /** Adds an item (ignored after close). */
  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.#items.push({ item });
  }

  /**
   * Adds an error in the items' place (ignored after close): the `next()` that would have had
   * the next item rejects with it, and later ones go on with the items after it.
   */
  pushError(error: Error): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.reject(error);
    else this.#items.push({ error });
  }

  /** The next item, or null once the queue is closed and empty. */
  next(): Promise<T | null> {
    const first = this.#items.shift();
    if (first !== undefined) {
      return "error" in first ? Promise.reject(first.error) : Promise.resolve(first.item);
    }
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Ends the queue: waiting and later consumers get null. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.resolve(null);
  }

  /** Iterates until the queue closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (let item = await this.next(); item !== null; item = await this.next()) yield item;
  }
}
