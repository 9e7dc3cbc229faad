// Byte streams for Pyro's connected-socket mode where JavaScript has no socketpair(): a
// MessagePort between two Workers, or a child process's stdin and stdout.
//
// Pyro5 leaves a connected socket open when a proxy on it is closed, so the next proxy can use
// it. Our Proxy closes the connection it was given, so `SharedStream.lease()` hands each proxy
// a connection of its own over the shared stream: closing a lease only detaches it, and the
// stream stays open for the next one.
import type { MessagePort } from "node:worker_threads";
import { type Address, type Connection, ConnectionClosedError } from "../../mod.ts";

/** A readable and a writable byte stream over a MessagePort; `null` on the port means the end. */
export function portStreams(port: MessagePort): {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
} {
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      port.on("message", (chunk: Uint8Array | null) => {
        if (chunk === null) {
          controller.close();
          port.close();
        } else controller.enqueue(chunk);
      });
    },
  });
  const writable = new WritableStream<Uint8Array>({
    // postMessage copies the chunk (structured clone), so the writer may reuse its buffer.
    write: (chunk) => port.postMessage(chunk),
    close: () => port.postMessage(null),
  });
  return { readable, writable };
}

/** One byte stream that proxies (or a daemon) use in turn, one lease at a time. */
export class SharedStream {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #address: Address;
  #current: ReadableStreamDefaultController<Uint8Array> | null = null;
  #detachCurrent: (() => void) | null = null;
  #held: Uint8Array[] = [];
  #ended = false;
  /** Resolves when the peer ended the stream. */
  readonly ended: Promise<void>;

  constructor(
    readable: ReadableStream<Uint8Array>,
    writable: WritableStream<Uint8Array>,
    name: string,
  ) {
    this.#writer = writable.getWriter();
    this.#address = { transport: "unix", path: name };
    this.ended = this.#pump(readable.getReader());
  }

  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      // Bytes that arrive between two leases wait for the next one.
      if (this.#current) this.#current.enqueue(value!);
      else this.#held.push(value!);
    }
    this.#ended = true;
    try {
      this.#current?.close();
    } catch { /* the lease was already cancelled */ }
    this.#detachCurrent?.();
  }

  /** A connection over the stream until it is closed; one lease at a time. */
  lease(): Connection {
    if (this.#current) throw new Error("the stream is already leased");
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => markClosed = resolve);
    let open = true;
    let own: ReadableStreamDefaultController<Uint8Array> | null = null;
    const detach = () => {
      if (!open) return;
      open = false;
      if (this.#current === own) {
        this.#current = null;
        this.#detachCurrent = null;
      }
      markClosed();
    };
    const readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        own = controller;
        this.#current = controller;
        this.#detachCurrent = detach;
        for (const chunk of this.#held.splice(0)) controller.enqueue(chunk);
        if (this.#ended) controller.close();
      },
      cancel: detach,
    });
    return {
      readable,
      closed,
      localAddress: this.#address,
      remoteAddress: this.#address,
      write: async (chunk) => {
        if (!open || this.#ended) throw new ConnectionClosedError("cannot write: stream closed");
        await this.#writer.ready;
        await this.#writer.write(chunk);
      },
      close: () => {
        detach();
        return closed;
      },
    };
  }

  /** Ends the stream for the peer. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }
}
