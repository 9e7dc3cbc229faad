/**
 * Correlation ids: 16 raw UUID bytes in RFC 4122 order on the wire, the
 * canonical `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` text for users.
 *
 * @module
 */
import { CORRELATION_ID_SIZE } from "./constants.ts";

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x61 + i] = HEX_VALUE[0x41 + i] = 10 + i;
const HEX_DIGITS: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

const UUID_TEXT =
  /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/**
 * The 16 wire bytes of a UUID string.
 *
 * @param uuid canonical UUID text (dashes optional)
 * @returns 16 bytes in RFC 4122 order
 * @example
 * ```ts
 * import { uuidToBytes } from "@pyro5/pyro5/protocol";
 * uuidToBytes("11112222-3333-4444-5555-666677778888"); // Uint8Array(16)
 * ```
 */
export function uuidToBytes(uuid: string): Uint8Array {
  const bytes = new Uint8Array(CORRELATION_ID_SIZE);
  // Canonical text, the common case: read the hex digits in place.
  if (typeof uuid === "string" && uuid.length === 36) {
    let j = 0;
    for (let i = 0; i < 36 && j < 16; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (uuid.charCodeAt(i) !== 0x2d) break;
        continue;
      }
      const hi = HEX_VALUE[uuid.charCodeAt(i++)];
      const lo = HEX_VALUE[uuid.charCodeAt(i)];
      if (hi === undefined || lo === undefined || hi < 0 || lo < 0) break;
      bytes[j++] = (hi << 4) | lo;
    }
    if (j === 16) return bytes;
  }
  if (typeof uuid !== "string" || !UUID_TEXT.test(uuid)) {
    throw new TypeError(`correlation id must be a UUID string, got ${JSON.stringify(uuid)}`);
  }
  const hex = uuid.replaceAll("-", "");
  for (let i = 0; i < CORRELATION_ID_SIZE; i++) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

/**
 * The canonical UUID text of 16 wire bytes.
 *
 * @param bytes 16 bytes in RFC 4122 order
 * @returns lowercase `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`
 * @example
 * ```ts
 * import { bytesToUuid } from "@pyro5/pyro5/protocol";
 * bytesToUuid(new Uint8Array(16)); // "00000000-0000-0000-0000-000000000000"
 * ```
 */
export function bytesToUuid(bytes: Uint8Array): string {
  if (bytes.length !== CORRELATION_ID_SIZE) {
    throw new RangeError(`a UUID has 16 bytes, got ${bytes.length}`);
  }
  const h = HEX_DIGITS;
  return h[bytes[0]] + h[bytes[1]] + h[bytes[2]] + h[bytes[3]] + "-" + h[bytes[4]] + h[bytes[5]] +
    "-" +
    h[bytes[6]] + h[bytes[7]] + "-" + h[bytes[8]] + h[bytes[9]] + "-" + h[bytes[10]] +
    h[bytes[11]] +
    h[bytes[12]] + h[bytes[13]] + h[bytes[14]] + h[bytes[15]];
}

/**
 * A fresh random (version 4) correlation id.
 *
 * @returns canonical UUID text
 * @example
 * ```ts
 * import { newCorrelationId } from "@pyro5/pyro5/protocol";
 * const id = newCorrelationId();
 * ```
 */
export function newCorrelationId(): string {
  return crypto.randomUUID();
}

// Random bytes fetched 4 KiB at a time: one call into the runtime per 256 ids.
let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * 16 random bytes laid out as a version 4 UUID, for a correlation id that
 * is sent without ever being shown as text.
 *
 * @returns a new array of 16 bytes
 * @example
 * ```ts
 * import { bytesToUuid, randomCorrelationBytes } from "@pyro5/pyro5/protocol";
 * bytesToUuid(randomCorrelationBytes())[14]; // "4"
 * ```
 */
export function randomCorrelationBytes(): Uint8Array {
  if (poolOffset + CORRELATION_ID_SIZE > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    poolOffset = 0;
  }
  // A view, not a copy: a used part of the pool is never written again.
  const bytes = pool.subarray(poolOffset, poolOffset + CORRELATION_ID_SIZE);
  poolOffset += CORRELATION_ID_SIZE;
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return bytes;
}
