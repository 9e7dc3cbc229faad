/**
 * A message channel over one byte connection, for the client side: requests
 * are written back to back (pipelined; messages queued in the same turn go
 * out in one write, from the outbox's buffer), replies are matched to their
 * request by sequence number, so a reply that arrives after its caller gave up (timeout,
 * abort) is dropped and can never reach another caller.
 *
 * @module
 */
import { ConnectionClosedError, ProtocolError } from "../errors.ts";
import { MessageReader } from "../protocol/message_stream.ts";
import type { Message } from "../protocol/message.ts";
import { Outbox, type OutgoingMessage } from "../protocol/outbox.ts";
import { MSG_TYPE_NAMES, MsgType } from "../protocol/constants.ts";
import type { Connection } from "../transport/types.ts";

/**
 * A message to send: its fields, encoded into the outbox (a payload's large parts are written
 * from where they are, so the caller keeps them unchanged until the reply), or bytes already
 * encoded.
 */
export type Outgoing = OutgoingMessage | Uint8Array;

interface Pending {
  resolve(message: Message): void;
  reject(error: Error): void;
}

/** A pipelined request/reply channel. */
export class Channel {
  readonly #connection: Connection;
  readonly #reader: MessageReader;
  readonly #pending = new Map<number, Pending>();
  readonly #outbox: Outbox;
  readonly #maxMessageSize: number;
  #flushing: Promise<void> | null = null;
  #closedError: Error | null = null;
  #loop: Promise<void> | null = null;
  #retired = false;
  /** Reasons to keep the process alive: pending replies, a write in progress, a handshake. */
  #busy = 0;
  /** Called once when the channel closes, with the reason. */
  onClose: ((error: Error) => void) | null = null;

  /**
   * @param connection the byte connection
   * @param maxMessageSize the limit of what is sent and received
   * @param maxInflatedSize the limit of what a compressed reply may inflate to (MAX_INFLATED_SIZE)
   */
  constructor(connection: Connection, maxMessageSize: number, maxInflatedSize?: number) {
    this.#connection = connection;
    this.#maxMessageSize = maxMessageSize;
    this.#outbox = new Outbox(connection.writesComplete === true);
    this.#reader = new MessageReader(connection.chunks?.() ?? connection.readable, {
      maxMessageSize,
      maxInflatedSize,
    });
  }

  /** True once the channel is closed. */
  get closed(): boolean {
    return this.#closedError !== null;
  }

  /** True while a request with this sequence number awaits its reply. */
  isPending(seq: number): boolean {
    return this.#pending.has(seq);
  }

  /** Reads one message directly; only before {@linkcode Channel.start} (the handshake). */
  async readOne(): Promise<Message> {
    this.#hold();
    const message = await this.#reader.read().finally(() => this.#release());
    if (message === null) {
      throw new ConnectionClosedError("receiving: not enough data (connection closed by peer)");
    }
    return message;
  }

  /** Starts the loop that hands replies to their requests. */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#readLoop();
    // An idle connection does not keep a script running; a pending call re-refs it.
    if (this.#busy === 0) this.#connection.unref?.();
  }

  #hold(): void {
    if (this.#busy++ === 0 && this.#loop) this.#connection.ref?.();
  }

  #release(): void {
    if (--this.#busy === 0 && this.#loop && !this.#closedError) this.#connection.unref?.();
  }

  /**
   * Writes a message; resolves when the transport accepted it.
   *
   * @param message the message's fields (a small payload is copied at once), or its bytes
   * @returns rejects with ProtocolError or MessageTooLargeError for a message that cannot be
   *   encoded, as when the connection fails
   */
  send(message: Outgoing): Promise<void> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    try {
      this.#enqueue(message);
    } catch (e) {
      return Promise.reject(e);
    }
    this.#flushing ??= this.#flush();
    return this.#flushing;
  }

  /**
   * Sends a request and waits for the reply with the same sequence number.
   *
   * @param seq the request's sequence number
   * @param message the request's fields (a small payload is copied at once), or its bytes
   * @returns the reply
   */
  request(seq: number, message: Outgoing): Promise<Message> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    if (this.#pending.has(seq)) {
      return Promise.reject(new ProtocolError(`sequence number ${seq} is already in use`));
    }
    try {
      this.#enqueue(message);
    } catch (e) {
      return Promise.reject(e);
    }
    const reply = new Promise<Message>((resolve, reject) => {
      this.#hold();
      this.#pending.set(seq, { resolve, reject });
    });
    this.#flushing ??= this.#flush();
    this.#flushing.catch((e) => this.#fail(seq, e));
    return reply;
  }

  #enqueue(message: Outgoing): void {
    if (message instanceof Uint8Array) this.#outbox.addBytes(message);
    else this.#outbox.add(message, this.#maxMessageSize);
  }

  /** Forgets a request; its reply, should it come, is dropped. */
  abandon(seq: number, error: Error): void {
    this.#fail(seq, error);
    if (this.#retired) this.#closeIfIdle();
  }

  /**
   * Takes no new requests from its owner and closes once the requests still in flight have
   * their replies (at once when there are none). A proxy retires its channel after a timeout,
   * an abort or a communication error, as Pyro5 drops the connection then: the daemon may
   * still be busy with the abandoned call, and later calls must not queue behind it.
   */
  retire(): void {
    this.#retired = true;
    this.#closeIfIdle();
  }

  #closeIfIdle(): void {
    if (this.#pending.size === 0 && !this.#closedError) {
      void this.close(new ConnectionClosedError("the connection was retired"));
    }
  }

  /** Closes the connection; pending requests fail with `reason`. */
  async close(reason: Error = new ConnectionClosedError("connection closed")): Promise<void> {
    if (this.#closedError) return;
    this.#shutdown(reason);
    await this.#reader.cancel().catch(() => {});
    await this.#connection.close().catch(() => {});
  }

  #fail(seq: number, error: Error): void {
    const pending = this.#pending.get(seq);
    if (pending) {
      this.#pending.delete(seq);
      this.#release();
      pending.reject(error);
    }
  }

  async #flush(): Promise<void> {
    this.#hold();
    try {
      const connection = this.#connection;
      const write = (chunk: Uint8Array) => connection.write(chunk);
      do {
        // Callers woken by one chunk of replies send their next calls a few microtasks apart:
        // wait until a microtask passes without a new message, so that they share one write.
        let queued;
        do {
          queued = this.#outbox.count;
          await null;
        } while (this.#outbox.count !== queued);
        await this.#outbox.flush(write);
      } while (this.#outbox.count > 0);
    } catch (e) {
      const error = e instanceof ConnectionClosedError
        ? e
        : new ConnectionClosedError(`sending: ${(e as Error)?.message ?? e}`, { cause: e });
      this.#shutdown(error);
      throw error;
    } finally {
      this.#flushing = null;
      this.#release();
    }
  }

  async #readLoop(): Promise<void> {
    let reason: Error;
    try {
      for (;;) {
        // Replies that came in one chunk are handed out in one turn, so the calls their callers
        // make next are sent together in one write.
        const message = this.#reader.takeReady() ?? await this.#reader.read();
        if (message === null) {
          reason = new ConnectionClosedError(
            "receiving: not enough data (connection closed by peer)",
          );
          break;
        }
        if (message.type !== MsgType.RESULT) {
          reason = new ProtocolError(
            `invalid msg type ${message.type} (${
              MSG_TYPE_NAMES[message.type] ?? "unknown"
            }) received (expected: 5)`,
          );
          break;
        }
        const pending = this.#pending.get(message.seq);
        // No one waits for this seq: a call that timed out or was aborted. Drop it.
        if (!pending) continue;
        this.#pending.delete(message.seq);
        this.#release();
        pending.resolve(message);
        if (this.#retired) this.#closeIfIdle();
      }
    } catch (e) {
      reason = e instanceof Error ? e : new ConnectionClosedError(String(e));
      if (!(reason instanceof ConnectionClosedError) && !(reason instanceof ProtocolError)) {
        reason = new ConnectionClosedError(`receiving: ${reason.message}`, { cause: reason });
      }
    }
    if (!this.#closedError) {
      this.#shutdown(reason);
      await this.#connection.close().catch(() => {});
    }
  }

  #shutdown(reason: Error): void {
    if (this.#closedError) return;
    this.#closedError = reason;
    const pending = [...this.#pending.values()];
    this.#busy -= pending.length;
    this.#pending.clear();
    for (const p of pending) p.reject(reason);
    this.onClose?.(reason);
  }
}
