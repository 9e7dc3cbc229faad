/**
 * A small async queue: producers push, one consumer awaits `next()`. Used
 * for accepted connections and received datagrams.
 *
 * @module
 */

/** An unbounded queue with an awaitable `next()`; `close()` ends it. */
export class AsyncQueue<T> {
  #items: T[] = [];
  #waiters: Array<(value: T | null) => void> = [];
  #closed = false;

  /** Adds an item (ignored after close). */
  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  /** The next item, or null once the queue is closed and empty. */
  next(): Promise<T | null> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the queue: waiting and later consumers get null. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w(null);
  }

  /** Iterates until the queue closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (let item = await this.next(); item !== null; item = await this.next()) yield item;
  }
}
