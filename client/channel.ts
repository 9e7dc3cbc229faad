/**
 * A message channel over one byte connection, for the client side: requests
 * are written back to back (pipelined; messages queued in the same turn go
 * out in one write), replies are matched to their request by sequence number,
 * so a reply that arrives after its caller gave up (timeout, abort) is dropped
 * and can never reach another caller. Reading, encoding, compression and
 * writing are the message connection's (`protocol/message_connection.ts`),
 * shared with the daemon's session.
 *
 * @module
 */
import { ConnectionClosedError, ProtocolError } from "../errors.ts";
import type { Message } from "../protocol/message.ts";
import {
  MessageConnection,
  type MessageConnectionOptions,
} from "../protocol/message_connection.ts";
import type { OutgoingMessage } from "../protocol/outbox.ts";
import { MSG_TYPE_NAMES, MsgType } from "../protocol/constants.ts";
import type { Connection } from "../transport/types.ts";

/**
 * A message to send: its fields, encoded into the outbox (a payload's large parts are written
 * from where they are, so the caller keeps them unchanged until the reply).
 */
export type Outgoing = OutgoingMessage;

interface Pending {
  resolve(message: Message): void;
  reject(error: Error): void;
}

/** A pipelined request/reply channel. */
export class Channel {
  readonly #messages: MessageConnection;
  readonly #pending = new Map<number, Pending>();
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
   * @param options the limits of what is sent and received, and whether to compress
   */
  constructor(
    connection: Connection,
    options: Omit<MessageConnectionOptions, "releaseWritten">,
  ) {
    // Payloads may be the caller's own bytes (a blob's): never freed here.
    this.#messages = new MessageConnection(connection, options);
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
    const message = await this.#messages.read().finally(() => this.#release());
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
    if (this.#busy === 0) this.#messages.unref();
  }

  #hold(): void {
    if (this.#busy++ === 0 && this.#loop) this.#messages.ref();
  }

  #release(): void {
    if (--this.#busy === 0 && this.#loop && !this.#closedError) this.#messages.unref();
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
      return this.#write(message);
    } catch (e) {
      return Promise.reject(e);
    }
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
    let written: Promise<void>;
    try {
      written = this.#write(message);
    } catch (e) {
      return Promise.reject(e);
    }
    const reply = new Promise<Message>((resolve, reject) => {
      this.#hold();
      this.#pending.set(seq, { resolve, reject });
    });
    written.catch((e) => this.#fail(seq, e));
    return reply;
  }

  /** Queues a message (throws when it cannot be encoded) and has the outbox flushed. */
  #write(message: Outgoing): Promise<void> {
    const compressing = this.#messages.queue(message);
    // Most messages are queued at once; a compressed one once its payload is.
    if (compressing === undefined) return this.#flushing ??= this.#flush();
    return compressing.then(() => this.#flushing ??= this.#flush());
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
    await this.#messages.stopReading();
    await this.#messages.close().catch(() => {});
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
      const messages = this.#messages;
      do {
        // Callers woken by one chunk of replies send their next calls a few microtasks apart:
        // wait until a microtask passes without a new message, so that they share one write.
        let queued;
        do {
          queued = messages.queued;
          await null;
        } while (messages.queued !== queued);
        await messages.flush();
      } while (messages.queued > 0);
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
        const message = this.#messages.takeReady() ?? await this.#messages.read();
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
      await this.#messages.close().catch(() => {});
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
