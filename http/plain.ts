/**
 * A handler's plain form, beside its fetch form: the request as the few fields a handler reads,
 * the answer as status, headers and body. The `node:http` adapter serves a handler that has one
 * without making a `Request` or a `Response`, Node's fetch classes (undici's), which cost a
 * third of a gateway request: with the plain form the Node gateway spent 239-244 CPU µs per
 * request against 319-386 through Request and Response (16 clients, `bench/gateway_cpu.ts`,
 * 2026-12-03). `Deno.serve` and `Bun.serve` make and take the fetch classes natively, so they
 * keep the fetch form.
 *
 * @module
 */
import type { FetchHandler } from "./types.ts";
import { knownResponse } from "./known_body.ts";

/** What a plain handler reads of a request; a `Request` has all of it. */
export interface PlainRequest {
  /** The method, upper case. */
  readonly method: string;
  /** The absolute URL, serialized as `Request.url` is (its path normalized, percent-encoded). */
  readonly url: string;
  /** The headers, looked up as `Headers.get` does (any case; repeated ones joined by ", "). */
  readonly headers: { get(name: string): string | null };
  /** Not null when the request has a body. */
  readonly body: unknown;
  /** The body as UTF-8 text. */
  text(): Promise<string>;
}

/** A plain answer. */
export interface PlainResponse {
  /** The status code. */
  status: number;
  /** The status text. */
  statusText: string;
  /** The headers, in the order they are sent. */
  headers: Array<[string, string]>;
  /** The body as text or bytes, or null for none. */
  body: string | Uint8Array<ArrayBuffer> | null;
}

/**
 * A handler in plain form; `asRequest` makes the `Request` the fetch form would have had, for
 * what needs one (an error report).
 */
export type PlainHandler = (
  request: PlainRequest,
  asRequest: () => Request,
) => Promise<PlainResponse>;

const plainForms = new WeakMap<FetchHandler, PlainHandler>();

/**
 * Makes the fetch form of a plain handler and remembers the plain one beside it.
 *
 * @param plain the plain handler
 * @returns a fetch-style handler answering as `plain` does
 * @example
 * ```ts
 * import { plainFormOf, withFetchForm } from "./plain.ts";
 * const fetch = withFetchForm(async () => ({
 *   status: 200,
 *   statusText: "OK",
 *   headers: [["Content-Type", "text/plain"]],
 *   body: "hi",
 * }));
 * console.log(await (await fetch(new Request("http://localhost/"))).text()); // hi
 * console.log(plainFormOf(fetch) !== undefined); // true
 * ```
 */
export function withFetchForm(plain: PlainHandler): (request: Request) => Promise<Response> {
  const fetch = (request: Request) => plain(request, () => request).then(toResponse);
  plainForms.set(fetch, plain);
  return fetch;
}

/**
 * The plain form of a handler made by {@linkcode withFetchForm}, or undefined.
 *
 * @param handler a fetch-style handler
 * @returns its plain form, or undefined when it has none
 */
export function plainFormOf(handler: FetchHandler): PlainHandler | undefined {
  return plainForms.get(handler);
}

/**
 * The `Response` of a plain answer.
 *
 * @param plain the answer
 * @returns a Response with its status, headers and body
 */
export function toResponse(plain: PlainResponse): Response {
  const response = knownResponse(plain.body, plain.status, plain.statusText);
  // Set one by one on the Response's own headers: cheaper than a `headers` init on Deno (4.8 µs
  // for six against 11.8 as a record, 16.9 as pairs; Bun 2.5 all three; 2026-12-03).
  const headers = response.headers;
  for (const [name, value] of plain.headers) headers.set(name, value);
  return response;
}
