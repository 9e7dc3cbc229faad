/**
 * An immediate TCP acknowledgement for Bun's TLS server, on Linux: `TCP_QUICKACK` set through
 * `bun:ffi` (Bun's sockets offer no such option). Used by `tls.ts` once a client's TLS handshake
 * is done; see there for why.
 *
 * Only the slice of `bun:ffi` used here is declared, so no Bun types are needed.
 *
 * @module
 */
import { optionalBuiltin } from "./builtin.ts";

/** The members of `bun:ffi` used here. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: { setsockopt: { args: string[]; returns: string } },
  ): {
    symbols: {
      setsockopt(fd: number, level: number, name: number, value: Int32Array, size: number): number;
    };
  };
}

// Linux's values (<netinet/in.h>, <netinet/tcp.h>).
const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12;

let loaded: ((socket: object) => void) | undefined | null = null; // null: not tried yet

/**
 * A function that makes the kernel send, at once, the ACK it holds back for a socket of Bun's
 * `node:net`/`node:tls`, or undefined where that cannot be done (not Bun, not Linux, no libc).
 * The option is not sticky, so it acts on what has been received so far: call it right after
 * reading what the peer is waiting to see acknowledged.
 *
 * @returns the function, taking the socket (a `net.Socket` or `tls.TLSSocket`)
 * @example
 * ```ts
 * import { bunQuickAck } from "./bun_quickack.ts";
 * const ackNow = bunQuickAck(); // undefined but on Bun under Linux
 * // tls.createServer(options, (socket) => ackNow?.(socket));
 * ```
 */
export function bunQuickAck(): ((socket: object) => void) | undefined {
  if (loaded === null) loaded = load();
  return loaded;
}

function load(): ((socket: object) => void) | undefined {
  const g = globalThis as { Bun?: unknown; process?: { platform?: string } };
  if (g.Bun === undefined || g.process?.platform !== "linux") return undefined;
  const ffi = optionalBuiltin<BunFfi>("bun:ffi");
  if (!ffi) return undefined;
  const setsockopt = libcSetsockopt(ffi);
  if (!setsockopt) return undefined;
  const on = new Int32Array([1]);
  return (socket) => {
    // Bun's socket handle knows its file descriptor; a closed socket has none.
    const fd = (socket as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof fd === "number" && fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, on, 4);
  };
}

function libcSetsockopt(ffi: BunFfi) {
  const signature = { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" };
  for (const libc of ["libc.so.6", "libc.so"]) { // glibc's name, then the generic one
    try {
      return ffi.dlopen(libc, { setsockopt: signature }).symbols.setsockopt;
    } catch {
      // not this one
    }
  }
  return undefined;
}
