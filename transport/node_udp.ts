/**
 * UDP over `node:dgram`, for broadcast discovery. Deno and Bun implement `node:dgram` too (and
 * have no UDP of their own that does broadcast), so all three adapters use this one.
 *
 * @module
 */
import type * as dgramTypes from "node:dgram";
import { builtin } from "./builtin.ts";
import { asCommunicationError, CommunicationError } from "../errors.ts";
import { AsyncQueue } from "./queue.ts";
import { type Datagram, type DatagramSocket, formatAddress } from "./types.ts";

// Loaded on first use, so that importing this file loads no runtime module.
const dgram = builtin<typeof dgramTypes>("node:dgram");
const os = builtin<typeof import("node:os")>("node:os");

function ipv4Number(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    const byte = Number(part);
    if (!/^\d{1,3}$/.test(part) || byte > 255) return null;
    n = n * 256 + byte;
  }
  return n;
}

/** This machine's IPv4 address on the subnet of `peer`, or null. */
function interfaceOnSubnetOf(peer: string): string | null {
  const target = ipv4Number(peer);
  if (target === null) return null;
  for (const addresses of Object.values(os().networkInterfaces())) {
    for (const a of addresses ?? []) {
      const address = ipv4Number(a.address);
      const mask = ipv4Number(a.netmask);
      if (address === null || mask === null) continue;
      // Unsigned 32-bit arithmetic: the masks of both must agree.
      if (((address & mask) >>> 0) === ((target & mask) >>> 0)) return a.address;
    }
  }
  return null;
}

class NodeDatagramSocket implements DatagramSocket {
  readonly address: { hostname: string; port: number };
  #socket: dgramTypes.Socket;
  #queue = new AsyncQueue<Datagram>();

  constructor(socket: dgramTypes.Socket) {
    this.#socket = socket;
    const a = socket.address();
    this.address = { hostname: a.address, port: a.port };
    socket.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
      this.#queue.push({
        data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        hostname: rinfo.address,
        port: rinfo.port,
      });
    });
    socket.once("close", () => this.#queue.close());
    // A socket error (an ICMP error reported on a later send) must not end the process;
    // sends report their own errors through their callbacks.
    socket.on("error", () => {});
  }

  send(data: Uint8Array, hostname: string, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.send(
        data,
        port,
        hostname,
        (e) =>
          e
            ? reject(
              new CommunicationError(`udp send to ${hostname}:${port}: ${e.message}`, { cause: e }),
            )
            : resolve(),
      )
    );
  }

  receive(): Promise<Datagram | null> {
    return this.#queue.next();
  }

  setBroadcast(on: boolean): void {
    this.#socket.setBroadcast(on);
  }

  async localAddressToward(hostname: string, port: number): Promise<string | null> {
    // Connecting a UDP socket sends nothing; it only picks the route, and so the local address.
    const probe = dgram().createSocket(hostname.includes(":") ? "udp6" : "udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.connect(port, hostname, () => resolve());
      });
      const local = probe.address().address;
      if (local !== "0.0.0.0" && local !== "::") return local;
      // Deno's node:dgram leaves a connected socket unbound: find the interface whose subnet
      // holds the peer instead (what the route would pick on a LAN).
      return interfaceOnSubnetOf(hostname);
    } catch {
      return null;
    } finally {
      probe.close();
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.#queue[Symbol.asyncIterator]();
  }
}

/**
 * Binds a UDP socket (address reuse on, as Pyro5's broadcast responder needs).
 *
 * @param endpoint the address; port 0 picks a free port
 * @returns the socket, once bound
 * @throws {CommunicationError} when it cannot be bound
 */
export function bindNodeDatagram(
  endpoint: { hostname: string; port: number },
): Promise<DatagramSocket> {
  const socket = dgram().createSocket({
    type: endpoint.hostname.includes(":") ? "udp6" : "udp4",
    reuseAddr: true,
  });
  return new Promise((resolve, reject) => {
    socket.once(
      "error",
      (e: Error) => reject(asCommunicationError(e, `cannot bind udp ${formatAddress(endpoint)}`)),
    );
    socket.bind(endpoint.port, endpoint.hostname, () => resolve(new NodeDatagramSocket(socket)));
  });
}
