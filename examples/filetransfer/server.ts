// A file server that sends one file three ways: as bytes in a result, in annotation chunks of
// a remote iterator, and over a side socket of its own that carries nothing but the file.
// Run: deno run -A examples/filetransfer/server.ts 9120 [FILE | --size BYTES]
//      python examples/filetransfer/client.py localhost:9120     (or client.ts, same arguments)
// Without FILE it serves a temporary file of --size random bytes (default 32 MB).
import { createHash } from "node:crypto";
import { mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  currentContext,
  Daemon,
  type DaemonOptions,
  defaultTransport,
  expose,
  type Listener,
  tuple,
} from "../../mod.ts";

/** A daemon with a second listening socket for raw file data, as Pyro5's example subclasses its Daemon. */
class FileDaemon extends Daemon {
  side: Listener | null = null;
  /** Files waiting to be fetched over the side socket, by one-time id. */
  readonly waiting = new Map<string, string>();

  static async start(options: DaemonOptions): Promise<FileDaemon> {
    const daemon = await FileDaemon.create(options);
    const transport = await defaultTransport();
    daemon.side = await transport.listen({ hostname: daemon.boundHost ?? "localhost", port: 0 });
    daemon.#serveSide(daemon.side);
    return daemon;
  }

  async #serveSide(listener: Listener): Promise<void> {
    for await (const conn of listener) {
      (async () => {
        try {
          // The client first sends the 36 characters of the id it got from open_side().
          const reader = conn.readable.getReader();
          let id = new Uint8Array(0);
          while (id.length < 36) {
            const { done, value } = await reader.read();
            if (done) break;
            const more = new Uint8Array(id.length + value.length);
            more.set(id);
            more.set(value, id.length);
            id = more;
          }
          reader.releaseLock();
          const key = new TextDecoder().decode(id.subarray(0, 36));
          const path = this.waiting.get(key);
          this.waiting.delete(key); // one fetch per id
          if (path) {
            const file = await open(path);
            try {
              for (;;) {
                const chunk = new Uint8Array(1 << 20);
                const { bytesRead } = await file.read(chunk, 0, chunk.length);
                if (bytesRead === 0) break;
                await conn.write(chunk.subarray(0, bytesRead));
              }
            } finally {
              await file.close();
            }
          }
        } catch (e) {
          console.error("side socket:", (e as Error).message);
        } finally {
          await conn.close().catch(() => {});
        }
      })();
    }
  }

  override async close(): Promise<void> {
    await this.side?.close();
    await super.close();
  }
}

class FileServer {
  readonly #path: string;
  readonly #daemon: FileDaemon;

  constructor(path: string, daemon: FileDaemon) {
    this.#path = path;
    this.#daemon = daemon;
  }

  /** The file's name, size and SHA-256, for the client to check what it got. */
  async info() {
    const data = await readFile(this.#path);
    return {
      name: basename(this.#path),
      size: data.length,
      sha256: createHash("sha256").update(data).digest("hex"),
    };
  }

  /** Way 1: the whole file as one bytes result (fast with marshal and msgpack). */
  async read_all() {
    return await readFile(this.#path); // a Buffer is a Uint8Array: sent as bytes, not copied
  }

  /**
   * Way 2: a remote iterator whose items are only the offset reached; each chunk travels in
   * the reply's FDAT annotation, which no serializer touches.
   */
  async *read_annotated(chunksize: number) {
    const file = await open(this.#path);
    try {
      let offset = 0;
      for (;;) {
        const chunk = new Uint8Array(chunksize);
        const { bytesRead } = await file.read(chunk, 0, chunksize);
        if (bytesRead === 0) return;
        offset += bytesRead;
        currentContext.responseAnnotations = { FDAT: chunk.subarray(0, bytesRead) };
        yield offset;
      }
    } finally {
      await file.close();
    }
  }

  /** Way 3: an id and the side socket's address; connect there, send the id, read to the end. */
  open_side() {
    const id = crypto.randomUUID();
    this.#daemon.waiting.set(id, this.#path);
    const address = this.#daemon.side!.address as { hostname: string; port: number };
    return tuple(id, address.hostname, address.port);
  }
}
expose(FileServer);

const args = process.argv.slice(2);
const port = Number(args[0] ?? 9120);
const sizeAt = args.indexOf("--size");
let path = args[1] && sizeAt !== 1 ? args[1] : "";
let temp = "";
if (!path) {
  const size = sizeAt > 0 ? Number(args[sizeAt + 1]) : 32_000_000;
  temp = await mkdtemp(join(tmpdir(), "pyro5-filetransfer-"));
  path = join(temp, "random.bin");
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  await writeFile(path, data);
}
await using daemon = await FileDaemon.start({ host: "localhost", port });
daemon.register(new FileServer(path, daemon), "example.filetransfer");
console.log(
  `serving ${path} (${(await stat(path)).size} bytes); side socket on port ${
    (daemon.side!.address as { port: number }).port
  }`,
);
console.log(`Ready. Object uri = ${daemon.uriFor("example.filetransfer")}`);
const stop = () => daemon.close();
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
await daemon.requestLoop();
if (temp) await rm(temp, { recursive: true, force: true });
