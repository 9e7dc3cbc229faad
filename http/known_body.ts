/**
 * Responses whose body is known as text or bytes when they are made, so that the `node:http`
 * adapter can write it without reading the Response's stream: reading one costs Node's fetch
 * implementation tens of microseconds per response (37 µs for six bytes, against 5-6 on Deno
 * and Bun, measured 2026-12-03), which the gateway would pay on every request. A Response made
 * any other way is read as usual.
 *
 * @module
 */

const bodies = new WeakMap<Response, string | Uint8Array>();

/**
 * A Response with `body` and the status; the caller sets its headers on `response.headers`
 * (cheaper than a `Headers` in the init, which is copied: 17 µs against 6 on Deno for six).
 *
 * @param body the body, or null
 * @param status the status code
 * @param statusText the status text
 * @returns the Response
 */
export function knownResponse(
  body: string | Uint8Array<ArrayBuffer> | null,
  status: number,
  statusText?: string,
): Response {
  const response = new Response(body, { status, statusText });
  if (body !== null) bodies.set(response, body);
  return response;
}

/**
 * The body a Response of {@linkcode knownResponse} was made with, or undefined.
 *
 * @param response the Response
 * @returns its body as given, or undefined when it was not made here (or has no body)
 */
export function knownBody(response: Response): string | Uint8Array | undefined {
  return response.bodyUsed ? undefined : bodies.get(response);
}
