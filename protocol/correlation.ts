/**
 * Correlation ids: 16 raw UUID bytes in RFC 4122 order on the wire, the
 * canonical `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` text for users.
 *
 * @module
 */
import { CORRELATION_ID_SIZE } from "./constants.ts";

const UUID_TEXT =
  /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/**
 * The 16 wire bytes of a UUID string.
 *
 * @param uuid canonical UUID text (dashes optional)
 * @returns 16 bytes in RFC 4122 order
 * @example
 * ```ts
 * import { uuidToBytes } from "./correlation.ts";
 * uuidToBytes("11112222-3333-4444-5555-666677778888"); // Uint8Array(16)
 * ```
 */
export function uuidToBytes(uuid: string): Uint8Array {
  if (typeof uuid !== "string" || !UUID_TEXT.test(uuid)) {
    throw new TypeError(`correlation id must be a UUID string, got ${JSON.stringify(uuid)}`);
  }
  const hex = uuid.replaceAll("-", "");
  const bytes = new Uint8Array(CORRELATION_ID_SIZE);
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
 * import { bytesToUuid } from "./correlation.ts";
 * bytesToUuid(new Uint8Array(16)); // "00000000-0000-0000-0000-000000000000"
 * ```
 */
export function bytesToUuid(bytes: Uint8Array): string {
  if (bytes.length !== CORRELATION_ID_SIZE) {
    throw new RangeError(`a UUID has 16 bytes, got ${bytes.length}`);
  }
  let hex = "";
  for (let i = 0; i < CORRELATION_ID_SIZE; i++) hex += bytes[i].toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * A fresh random (version 4) correlation id.
 *
 * @returns canonical UUID text
 * @example
 * ```ts
 * import { newCorrelationId } from "./correlation.ts";
 * const id = newCorrelationId();
 * ```
 */
export function newCorrelationId(): string {
  return crypto.randomUUID();
}
