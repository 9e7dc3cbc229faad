// Streams a file from the Python file server chunk by chunk with `for await`,
// and prints its size and SHA-256.
// Run: python examples/streaming/server.py 9998 &   deno run -A examples/streaming/client.ts 9998 /etc/hosts
import { Proxy } from "../../mod.ts";

const port = process.argv[2] ?? "9998";
const path = process.argv[3] ?? "/etc/hosts";
await using files = new Proxy(`PYRO:example.files@localhost:${port}`, { serializer: "msgpack" });
const parts: Uint8Array[] = [];
let size = 0;
for await (const chunk of await files.chunks(path, 4096)) {
  parts.push(chunk as Uint8Array);
  size += (chunk as Uint8Array).length;
}
const whole = new Uint8Array(size);
let offset = 0;
for (const p of parts) {
  whole.set(p, offset);
  offset += p.length;
}
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", whole));
console.log(
  `${path}: ${size} bytes in ${parts.length} chunks, sha256 ${
    Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
  }`,
);
