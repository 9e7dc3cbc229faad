/**
 * A connection over any pair of web streams: a child process's pipes, a
 * WebSocket's streams, anything that carries bytes both ways in order.
 *
 * @module
 */
import { ConnectionClosedError } from "../errors.ts";
import type { Address, Connection } from "./types.ts";

/**
 * Wraps a readable and a writable byte stream as a {@linkcode Connection},
 * e.g. for `new Proxy("obj", { connectedSocket })` over a child process's pipes.
 *
 * @param readable bytes from the peer
 * @param writable bytes to the peer
 * @param name a label used as the connection's address
 * @returns the connection
 * @example
 * ```ts
 * import { streamConnection } from "@pyro5/pyro5";
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const loop = streamConnection(readable, writable, "loopback");
 * ```
 */
export function streamConnection(
  readable: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  name = "stream",
): Connection {
  const writer = writable.getWriter();
  const address: Address = { transport: "unix", path: name };
  let closedFlag = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((r) => markClosed = r);
  const reader = readable.getReader();
  const wrapped = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          markClosed();
        } else controller.enqueue(value);
      } catch (e) {
        controller.error(
          new ConnectionClosedError(`connection error: ${(e as Error).message}`, { cause: e }),
        );
        markClosed();
      }
    },
    async cancel() {
      await reader.cancel().catch(() => {});
    },
  }, { highWaterMark: 0 });
  return {
    readable: wrapped,
    closed,
    localAddress: address,
    remoteAddress: address,
    async write(chunk: Uint8Array) {
      if (closedFlag) throw new ConnectionClosedError("cannot write: connection closed");
      try {
        await writer.ready;
        await writer.write(chunk);
      } catch (e) {
        throw new ConnectionClosedError(`cannot write: ${(e as Error).message}`, { cause: e });
      }
    },
    async close() {
      if (!closedFlag) {
        closedFlag = true;
        await writer.close().catch(() => {});
        await reader.cancel().catch(() => {});
        markClosed();
      }
      return closed;
    },
  };
}
