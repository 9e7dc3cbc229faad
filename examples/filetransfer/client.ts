// Fetches one file three ways from the file server (ours or Python's), checks each copy
// against the server's SHA-256, and ends with the MB/s of each way.
// Run: python examples/filetransfer/server.py 9120 &     (or server.ts, same arguments)
//      deno run -A examples/filetransfer/client.ts localhost:9120 [--chunk BYTES] [--tty|--plain]
// The progress bar redraws in place on a terminal and prints plain lines otherwise.
import { createHash } from "node:crypto";
import { currentContext, defaultTransport, Proxy, type SerializerName } from "../../mod.ts";
import { Progress, type ProgressMode } from "./progress.ts";

const args = process.argv.slice(2);
const location = args.find((a) => !a.startsWith("--")) ?? "localhost:9120";
const chunkAt = args.indexOf("--chunk");
const chunksize = chunkAt >= 0 ? Number(args[chunkAt + 1]) : 500_000;
const mode: ProgressMode | undefined = args.includes("--tty")
  ? "tty"
  : args.includes("--plain")
  ? "plain"
  : undefined;
const uri = `PYRO:example.filetransfer@${location}`;

interface Info {
  name: string;
  size: number;
  sha256: string;
}
const rates: Array<[string, number]> = [];

/** Hashes what arrives, so no way needs the whole file in memory at once (except way 1). */
function check(way: string, hash: ReturnType<typeof createHash>, got: number, info: Info) {
  const sha = hash.digest("hex");
  if (got !== info.size || sha !== info.sha256) {
    throw new Error(
      `${way}: got ${got} bytes with sha256 ${sha}, expected ${info.size} ${info.sha256}`,
    );
  }
  console.log(`${way}: ${got} bytes, sha256 ok`);
}

await using server = new Proxy(uri);
const info = await server.info() as Info;
console.log(`${info.name}: ${info.size} bytes`);

// Way 1: the file as a bytes result. serpent would send it as base64 text; marshal and msgpack
// send raw bytes, so those two.
for (const serializer of ["marshal", "msgpack"] as SerializerName[]) {
  await using p = new Proxy(uri, { serializer });
  const way = `bytes in a result, ${serializer}`;
  const bar = new Progress(way, info.size, mode);
  const data = await p.read_all() as Uint8Array;
  bar.add(data.length);
  rates.push([way, bar.finish()]);
  check(way, createHash("sha256").update(data), data.length, info);
}

// Way 2: annotation chunks through a remote iterator; each item's reply carries one chunk.
{
  const way = "annotation chunks";
  const bar = new Progress(way, info.size, mode);
  const hash = createHash("sha256");
  let got = 0;
  for await (const offset of await server.read_annotated(chunksize)) {
    const chunk = currentContext.responseAnnotations.FDAT;
    hash.update(chunk);
    got += chunk.length;
    if (offset !== got) throw new Error(`${way}: server at ${offset}, client at ${got}`);
    bar.add(chunk.length);
  }
  currentContext.responseAnnotations = {}; // let go of the last chunk
  rates.push([way, bar.finish()]);
  check(way, hash, got, info);
}

// Way 3: a side socket; the Pyro call only says where, and the bytes come without Pyro.
{
  const way = "side socket";
  const [id, hostname, port] = await server.open_side() as [string, string, number];
  const bar = new Progress(way, info.size, mode);
  const transport = await defaultTransport();
  const conn = await transport.connect({ hostname, port });
  await conn.write(new TextEncoder().encode(id));
  const hash = createHash("sha256");
  let got = 0;
  for await (const chunk of conn.readable) {
    hash.update(chunk);
    got += chunk.length;
    bar.add(chunk.length);
  }
  await conn.close();
  rates.push([way, bar.finish()]);
  check(way, hash, got, info);
}

for (const [way, rate] of rates) console.log(`${way}: ${rate.toFixed(1)} MB/s`);
