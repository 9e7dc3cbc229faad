/**
 * A WebSocket server for `node:http` (Node 24 has a WebSocket client only): the RFC 6455
 * opening handshake on the server's `upgrade` event, frames through `ws_frames.ts`, pings
 * answered, the closing handshake with a deadline, and the socket paused when asked.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { ServerSocket, SocketHandlers, WebSocketEndpoint } from "./ws_types.ts";
import { closePayload, encodeFrame, FrameDecoder, FrameError, Opcode } from "./ws_frames.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
// How long a peer has to answer our close frame before the socket is dropped.
const CLOSE_DEADLINE_MS = 2000;

function refuse(socket: Socket, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${
      Buffer.byteLength(text)
    }\r\nConnection: close\r\n\r\n${text}`,
  );
}

async function refuseWith(socket: Socket, response: Response): Promise<void> {
  const body = await response.text();
  socket.end(
    `HTTP/1.1 ${response.status} ${response.statusText || "Refused"}\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  return new Request(new URL(req.url ?? "/", base), { method: req.method, headers });
}

/** One accepted WebSocket over a `node:net` socket. */
class NodeWebSocket implements ServerSocket {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  handlers: SocketHandlers | null = null;
  #closeSent = false;
  #closed = false;

  constructor(socket: Socket, maxMessageSize: number) {
    this.#socket = socket;
    this.#decoder = new FrameDecoder({ maxMessageSize });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#data(chunk));
    socket.on("drain", () => this.handlers?.drain?.());
    socket.on("error", () => {});
    // node:http keeps its sockets half-open: a client gone without a close frame only ends.
    socket.on("end", () => {
      socket.destroy();
      this.#gone(1006, "");
    });
    socket.on("close", () => this.#gone(1006, ""));
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  send(data: Uint8Array | string): void {
    if (this.#closeSent) return;
    const binary = typeof data !== "string";
    this.#write(binary ? Opcode.BINARY : Opcode.TEXT, binary ? data : Buffer.from(data));
  }

  close(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#write(Opcode.CLOSE, closePayload(code, reason));
    this.#closeSent = true;
    const timer = setTimeout(() => this.#socket.destroy(), CLOSE_DEADLINE_MS);
    this.#socket.once("close", () => clearTimeout(timer));
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  #write(opcode: number, payload: Uint8Array): void {
    const [header, body] = encodeFrame(opcode, payload);
    this.#socket.cork();
    this.#socket.write(header);
    if (body.length > 0) this.#socket.write(body);
    this.#socket.uncork();
  }

  #data(chunk: Buffer): void {
    let received;
    try {
      received = this.#decoder.push(chunk);
    } catch (e) {
      const code = e instanceof FrameError ? e.code : 1002;
      this.close(code, (e as Error).message);
      // A client that broke the protocol is not waited for (RFC 6455 7.1.7): nothing more is
      // read, and the socket ends after the close frame.
      this.#socket.pause();
      this.#socket.end();
      this.#gone(code, (e as Error).message);
      return;
    }
    for (const frame of received) {
      if (this.#closed) return;
      switch (frame.type) {
        case "text":
        case "binary":
          if (!this.#closeSent) this.handlers?.message(frame.data);
          break;
        case "ping":
          this.#write(Opcode.PONG, frame.data);
          break;
        case "pong":
          break;
        case "close":
          if (!this.#closeSent) this.close(frame.code === 1005 ? 1000 : frame.code, "");
          this.#socket.end();
          this.#gone(frame.code, frame.reason);
          return;
      }
    }
  }

  #gone(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.handlers?.close(code, reason);
  }
}

/**
 * Serves a WebSocket endpoint on a `node:http` server's upgrade requests.
 *
 * @param server the HTTP server
 * @param endpoint the endpoint (the gateway's bridge)
 * @param base the server's own URL, for the requests' URLs
 * @returns a function that drops every upgraded socket (the server's own close does not)
 */
export function acceptWebSockets(
  server: Server,
  endpoint: WebSocketEndpoint,
  base: () => string,
): () => void {
  const upgraded = new Set<Socket>();
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => {});
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    const request = toRequest(req, base());
    const key = req.headers["sec-websocket-key"];
    if (
      req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string" ||
      !/^[A-Za-z0-9+/]{22}==$/.test(key) || req.headers["sec-websocket-version"] !== "13"
    ) {
      return refuse(socket, 400, "Bad Request");
    }
    const accepted = endpoint.upgrade(request, req.socket.remoteAddress ?? "");
    if (accepted === null) return refuse(socket, 404, "Not Found");
    if (accepted instanceof Response) return void refuseWith(socket, accepted).catch(() => {});
    const accept = createHash("sha1").update(key + GUID).digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n` +
        (accepted.protocol ? `Sec-WebSocket-Protocol: ${accepted.protocol}\r\n` : "") + "\r\n",
    );
    const ws = new NodeWebSocket(socket, endpoint.maxMessageSize);
    ws.handlers = accepted.open(ws);
    if (head.length > 0) socket.emit("data", head);
  });
  return () => {
    for (const socket of upgraded) socket.destroy();
  };
}
