// What this runtime itself costs to hold an idle TCP connection the way our adapter holds one,
// with no Pyro in it: the floor under bench/idle.ts's figure for our daemon. Listens on
// 127.0.0.1, prints its port as the first line of stdout, accepts every connection and keeps it
// waiting for bytes (Deno: a 512 B `conn.read()` pending, as transport/deno.ts waits; Bun:
// `Bun.listen` with socket handlers; Node: a `net` server whose sockets flow into a data
// listener). Each connection answers the first bytes it gets with the same bytes, once, as a
// daemon answers a handshake, and then waits again. Then answers on stdin: "mem" prints its RSS in bytes after a forced collection,
// "quit" ends it.
import { createInterface } from "node:readline";

const g = globalThis as Record<string, unknown>;
const held: unknown[] = [];
let port: number;

if ("Deno" in g) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  port = (listener.addr as Deno.NetAddr).port;
  (async () => {
    for await (const conn of listener) {
      held.push(conn);
      const into = new Uint8Array(512);
      conn.read(into)
        .then((n) => n && conn.write(into.subarray(0, n)))
        .then(() => conn.read(into))
        .catch(() => {});
    }
  })();
} else if ("Bun" in g) {
  const bun = g.Bun as {
    listen(o: unknown): { port: number };
  };
  const server = bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s: { data: unknown }) => {
        held.push(s);
        s.data = false;
      },
      data(s: { data: unknown; write(b: Uint8Array): number }, bytes: Uint8Array) {
        if (!s.data) s.write(bytes);
        s.data = true;
      },
      close() {},
      error() {},
    },
  });
  port = server.port;
} else {
  const net = await import("node:net");
  const replied = new WeakSet<object>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    held.push(socket);
    socket.on("data", function (this: typeof socket, bytes: Uint8Array) {
      if (!replied.has(this)) this.write(bytes);
      replied.add(this);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
}

function gc(): void {
  const bun = g.Bun as { gc?: (force: boolean) => void } | undefined;
  if (bun?.gc) return bun.gc(true);
  if (typeof g.gc === "function") (g.gc as () => void)();
}

console.log(port);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "mem") {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(process.memoryUsage().rss);
  } else if (line === "quit") break;
}
process.exit(0);
