/**
 * zlib payload compression (the COMPRESSED flag). Python writes
 * `zlib.compress(payload, 4)`; `CompressionStream("deflate")` produces the same
 * zlib format (RFC 1950), which Python reads, so no dependency is needed.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { releaseBuffer } from "../transport/buffers.ts";

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
 * Compressed bytes handed to the inflater at a time, so it never runs far ahead of the reader:
 * deflate inflates at most about 1032 times, so one slice gives at most about 4 MiB of output.
 */
const INFLATE_INPUT_SLICE = 4 * 1024;
/** The inflate buffer's first size, at most: it grows (in place where it can) as output comes. */
const INFLATE_FIRST_SIZE = 256 * 1024;

/** One buffer that grows up to a limit: resizable in place where the runtime has it. */
function growableBuffer(first: number, limit: number): ArrayBuffer {
  try {
    return new (ArrayBuffer as unknown as new (
      n: number,
      o: { maxByteLength: number },
    ) => ArrayBuffer)(first, { maxByteLength: limit });
  } catch {
    return new ArrayBuffer(first);
  }
}

/**
 * Inflates a zlib stream into one buffer, refusing as soon as the output would pass `limit`
 * bytes: a small message cannot make us hold more than the limit (plus the inflater's own
 * window), whatever it claims to inflate to.
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
  const inflater = new DecompressionStream("deflate") as unknown as TransformStream<
    Uint8Array,
    Uint8Array
  >;
  const writer = inflater.writable.getWriter();
  const reader = inflater.readable.getReader();
  // The input goes in by slices as the output is read: backpressure keeps the inflater from
  // inflating a whole bomb into its queue before we see the first chunk.
  const feeding = (async () => {
    for (let at = 0; at < data.length; at += INFLATE_INPUT_SLICE) {
      await writer.write(data.subarray(at, at + INFLATE_INPUT_SLICE));
    }
    await writer.close();
  })();
  feeding.catch(() => {}); // a failure surfaces through the reader too
  let buffer = growableBuffer(Math.min(limit, INFLATE_FIRST_SIZE), limit);
  let out = new Uint8Array(buffer);
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > limit) {
        throw new ProtocolError(`decompress: inflated payload exceeds ${limit} bytes`);
      }
      if (n + value.length > out.length) {
        const size = Math.min(limit, Math.max(n + value.length, 2 * out.length));
        const resizable = buffer as ArrayBuffer & { resizable?: boolean; resize?(n: number): void };
        if (resizable.resizable) resizable.resize!(size);
        else {
          buffer = new ArrayBuffer(size);
          new Uint8Array(buffer).set(out.subarray(0, n));
        }
        out = new Uint8Array(buffer);
      }
      out.set(value, n);
      n += value.length;
      // The inflater's chunk is copied: free it now, not at the next collection (a bomb's
      // chunks would otherwise add up to the limit once more).
      if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
        releaseBuffer(value);
      }
    }
    await feeding;
  } catch (e) {
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
    releaseBuffer(out); // refused: its memory goes now, not at some later collection
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError(
      `compressed payload is not a valid zlib stream: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const resizable = buffer as ArrayBuffer & { resizable?: boolean; resize?(n: number): void };
  if (resizable.resizable) {
    resizable.resize!(n);
    return new Uint8Array(buffer, 0, n);
  }
  return out.subarray(0, n);
}
