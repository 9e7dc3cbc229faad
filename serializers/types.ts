/**
 * The serializer interface and the value types that have no JavaScript
 * built-in: tuples, Python floats that happen to be integral, and complex
 * numbers. The type mapping itself is documented in the README.
 *
 * @module
 */

import type { SerializerName } from "./formats.ts";

export type { SerializerName };

/**
 * Options that shape a serializer, taken from a `Proxy`'s or `Daemon`'s config
 * (`SERPENT_BYTES_REPR`, `MAX_NESTING_DEPTH`) or given to `getSerializer`.
 */
export interface SerializerOptions {
  /** Serpent: write bytes as `b'...'` literals instead of base64 dicts (`SERPENT_BYTES_REPR`). */
  bytesRepr?: boolean;
  /** Deepest container nesting accepted, both ways (default 1000; `MAX_NESTING_DEPTH`). */
  maxDepth?: number;
}

/** A decoded call: Python's `(object_id, method, vargs, kwargs)`. */
export interface Call {
  /** The object id the call is for. */
  objectId: string;
  /** The method name (also `__getattr__`, `__setattr__`, `<batch>`). */
  method: string;
  /** Positional arguments. */
  vargs: unknown[];
  /** Keyword arguments; `null` where Python sent `None`. */
  kwargs: Record<string, unknown> | null;
}

/** Receive-side limits every deserializer honours. */
export interface DecodeLimits {
  /** Deepest container nesting accepted (default 1000). */
  maxDepth?: number;
}

/** The default receive-side limits. */
export const DEFAULT_MAX_DEPTH = 1000;

/** One of Pyro's serializers (the formats of `formats.ts`). */
export interface Serializer {
  /** The name Pyro uses (`config.SERIALIZER`). */
  readonly name: SerializerName;
  /** The id in the message header. */
  readonly id: number;
  /** Serializes one value. */
  dumps(value: unknown): Uint8Array;
  /** Deserializes one value; `__class__` dicts are converted by the class registry. */
  loads(data: Uint8Array): unknown;
  /** Serializes a call the way Python's `dumpsCall` does for this format. */
  dumpsCall(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array;
  /** Deserializes a call. */
  loadsCall(data: Uint8Array): Call;
  /**
   * Optional, for the message encoder: like `dumps`, but small output may be a view of a
   * serializer's scratch buffer, valid only until the next call of a serializer (the encoder copies it into
   * the message at once, which saves an allocation per message); and when the value holds bytes
   * of 64 KiB or more, the output is a list of parts in which those are the caller's own arrays,
   * not copies, to be written as they are.
   */
  dumpsTransient?(value: unknown): Uint8Array | Uint8Array[];
  /**
   * Optional: `dumpsCall` with the output rules of {@linkcode Serializer.dumpsTransient}, `vargs`
   * written as a Python proxy sends them (a tuple where the format has tuples) whether or not
   * they are marked with `tuple()`.
   */
  dumpsCallTransient?(
    objectId: string,
    method: string,
    vargs: readonly unknown[],
    kwargs: Record<string, unknown> | null,
  ): Uint8Array | Uint8Array[];
}

/**
 * The size that {@linkcode Serializer.dumpsTransient} output keeps to: output shorter than this
 * may be a view of scratch memory, output this long or longer owns its bytes (an encoder hands
 * over its buffer), and bytes values this long or longer come out as parts of their own. The
 * message encoder copies payloads shorter than this at once (it is the protocol's
 * `SEPARATE_PAYLOAD_SIZE`), so the two rules cannot drift apart.
 */
export const TRANSIENT_BELOW = 1 << 16;

/** The marker property of arrays made by {@linkcode tuple}. */
export const TUPLE: unique symbol = Symbol.for("pyro5.tuple");

/** An array marked to be sent as a Python tuple. */
export type Tuple<T extends unknown[] = unknown[]> = T & { readonly [TUPLE]: true };

/**
 * Marks values to be sent as a Python tuple rather than a list.
 *
 * @param items the tuple's elements
 * @returns an array that serializers write as a tuple
 * @example
 * ```ts
 * import { tuple } from "@pyro5/pyro5";
 * const point = tuple(1, 2); // Python receives (1, 2)
 * ```
 */
export function tuple<T extends unknown[]>(...items: T): Tuple<T> {
  Object.defineProperty(items, TUPLE, { value: true });
  return items as Tuple<T>;
}

/** True for an array made by {@linkcode tuple}. */
export function isTuple(value: unknown): value is Tuple {
  return Array.isArray(value) && (value as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/**
 * A number to be sent as a Python `float` even when it is integral
 * (a plain integral JavaScript number is sent as an `int`).
 *
 * @example
 * ```ts
 * import { PyFloat } from "@pyro5/pyro5";
 * const x = new PyFloat(3); // Python receives 3.0
 * ```
 */
export class PyFloat {
  /** The value. */
  readonly value: number;
  /**
   * Creates an instance.
   * @param value the number
   */
  constructor(value: number) {
    this.value = value;
  }
  /** The number itself. */
  valueOf(): number {
    return this.value;
  }
}

/**
 * Python's `complex`.
 *
 * @example
 * ```ts
 * import { Complex } from "@pyro5/pyro5";
 * const z = new Complex(1, -2); // Python: (1-2j)
 * ```
 */
export class Complex {
  /** Real part. */
  readonly re: number;
  /** Imaginary part. */
  readonly im: number;
  /**
   * Creates an instance.
   * @param re real part
   * @param im imaginary part
   */
  constructor(re: number, im: number) {
    this.re = re;
    this.im = im;
  }
  /** Python's repr, e.g. `(1-2j)`. */
  toString(): string {
    return `(${this.re}${this.im < 0 || Object.is(this.im, -0) ? "-" : "+"}${Math.abs(this.im)}j)`;
  }
}
