// A small HTTP/1.1 load generator for the gateway benchmarks: a GET sent as bytes on a kept-alive
// node:net socket, its answer read by Content-Length, the next GET sent once it is in; a server
// that closes after each answer (HTTP/1.0, as Python's gateway does) gets a new socket each time.
// Why not fetch: on two cores the load generator shares the CPU with the gateway it measures,
// and each runtime's fetch costs far more per request than the gateway's own work. Measured
// 2026-12-03 against our gateway on Node, 16 clients: Deno's fetch 259 CPU µs per request, this
// client 69 (it then left the gateway 20-40 % more requests per second).
import * as net from "node:net";

/** One client: `get()` sends the GET and resolves with the status and the body. */
interface Client {
  get(): Promise<{ status: number; body: string }>;
  close(): void;
}

function client(url: URL): Client {
  const request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;
  let socket: net.Socket | null = null;
  let received = "";
  let waiting: ((answer: { status: number; body: string }) => void) | null = null;
  let failed: ((error: Error) => void) | null = null;

  const open = () => {
    const s = net.connect(Number(url.port), url.hostname);
    s.setNoDelay(true);
    s.setEncoding("latin1");
    s.on("data", (data: string) => {
      received += data;
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = received.slice(0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (Number.isNaN(length)) return failed?.(new Error(`no Content-Length: ${head}`));
      if (received.length < end + 4 + length) return;
      const body = received.slice(end + 4, end + 4 + length);
      received = received.slice(end + 4 + length);
      const closing = head.startsWith("HTTP/1.0") || /\r\nconnection: *close/i.test(head);
      if (closing) {
        s.destroy();
        socket = null;
        received = "";
      }
      const resolve = waiting;
      waiting = failed = null;
      resolve?.({ status: Number(head.slice(9, 12)), body });
    });
    // Only the current socket's end fails the request in flight: one closed after its answer
    // may report that while the next request is on a new socket.
    s.on("error", (e) => socket === s && failed?.(e));
    s.on("close", () => {
      if (socket !== s) return;
      socket = null;
      failed?.(new Error("the server closed the connection"));
    });
    return s;
  };

  return {
    get() {
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failed = reject;
        (socket ??= open()).write(request);
      });
    },
    close() {
      socket?.destroy();
    },
  };
}

/**
 * GETs `url` for `seconds` from `clients` clients at once, each waiting for its answer before
 * it sends the next; requests per second. Every answer must be 200 with `expected` as body.
 */
export async function loadRate(
  url: string,
  clients: number,
  seconds: number,
  expected: string,
): Promise<number> {
  let count = 0;
  const end = performance.now() + seconds * 1000;
  const target = new URL(url);
  await Promise.all(Array.from({ length: clients }, async () => {
    const c = client(target);
    try {
      while (performance.now() < end) {
        const { status, body } = await c.get();
        if (status !== 200 || body !== expected) throw new Error(`bad answer ${status}: ${body}`);
        count++;
      }
    } finally {
      c.close();
    }
  }));
  return count / seconds;
}
