/**
 * Deadlines of the connections that still owe their handshake. One sweep for all of them
 * rather than a timer each: a timer costs a connection more than the rest of its idle state.
 *
 * @module
 */

/** A connection's handshake deadline; pass it to {@linkcode clearHandshakeDeadline}. */
export interface HandshakeDeadline {
  /** When it is due (`Date.now()` time). */
  readonly due: number;
  /** What to do when it passes. */
  expire(): void;
}

const due = new Set<HandshakeDeadline>();
let sweep: ReturnType<typeof setInterval> | null = null;

/**
 * Calls `expire` once `seconds` pass, unless the deadline is cleared before.
 *
 * @param seconds how long the handshake may take
 * @param expire what to do then (drop the connection)
 * @returns the deadline
 */
export function handshakeDeadline(seconds: number, expire: () => void): HandshakeDeadline {
  const entry = { due: Date.now() + seconds * 1000, expire };
  due.add(entry);
  // The sweep runs a few times per timeout, and only while some connection is waiting.
  const every = Math.max(10, Math.min(1000, seconds * 250));
  sweep ??= setInterval(() => {
    const now = Date.now();
    for (const e of due) {
      if (e.due <= now) {
        due.delete(e);
        e.expire();
      }
    }
    if (due.size === 0) {
      clearInterval(sweep!);
      sweep = null;
    }
  }, every);
  return entry;
}

/**
 * The handshake came (or the connection ended): the deadline no longer applies.
 *
 * @param deadline what {@linkcode handshakeDeadline} returned
 */
export function clearHandshakeDeadline(deadline: HandshakeDeadline): void {
  due.delete(deadline);
}
