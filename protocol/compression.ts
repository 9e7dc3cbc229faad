/**
 * zlib payload compression (the COMPRESSED flag). Python writes
 * `zlib.compress(payload, 4)`; `CompressionStream("deflate")` produces the same
 * zlib format (RFC 1950), which Python reads, so no dependency is needed.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";

async function collect(
  readable: ReadableStream<Uint8Array>,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new ProtocolError(`${what}: inflated payload exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function pipeThrough(
  data: Uint8Array,
  transform: TransformStream<Uint8Array, Uint8Array>,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  const writer = transform.writable.getWriter();
  const written = writer.write(data).then(() => writer.close());
  // A failed write surfaces through the readable side too; keep it from going unhandled.
  written.catch(() => {});
  const result = await collect(transform.readable, limit, what);
  await written;
  return result;
}

/**
 * Compresses a payload into a zlib stream.
 *
 * @param data the payload
 * @returns the zlib stream
 * @example
 * ```ts
 * import { compress } from "@pyro5/pyro5/protocol";
 * const packed = await compress(new Uint8Array(1000));
 * ```
 */
export function compress(data: Uint8Array): Promise<Uint8Array> {
  return pipeThrough(
    data,
    new CompressionStream("deflate") as unknown as TransformStream<Uint8Array, Uint8Array>,
    Number.MAX_SAFE_INTEGER,
    "compress",
  );
}

/**
 * Inflates a zlib stream, refusing to grow past `limit` bytes (a small
 * message must not inflate into gigabytes).
 *
 * @param data the zlib stream
 * @param limit the most bytes the result may have
 * @returns the payload
 * @throws {ProtocolError} when the data is not a zlib stream or inflates past the limit
 * @example
 * ```ts
 * import { compress, decompress } from "@pyro5/pyro5/protocol";
 * const back = await decompress(await compress(new Uint8Array([1, 2, 3])), 1 << 20);
 * ```
 */
export async function decompress(data: Uint8Array, limit: number): Promise<Uint8Array> {
  try {
    return await pipeThrough(
      data,
      new DecompressionStream("deflate") as unknown as TransformStream<Uint8Array, Uint8Array>,
      limit,
      "decompress",
    );
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError(
      `compressed payload is not a valid zlib stream: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}
