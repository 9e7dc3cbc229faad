// deno-lint-ignore-file no-explicit-any
/** Shared helpers of the test suite. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";

/** Reads a golden vector file from tests/vectors/. */
export function loadVectors(name: string): any {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`./vectors/${name}`, import.meta.url)), "utf8"),
  );
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Splits bytes into chunks of `size`. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** A readable stream that yields the given chunks. */
export function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/** The command line that runs a TypeScript file on the runtime running this test. */
export function runtimeCommand(script: string): [string, string[]] {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return [process.execPath, ["run", "-A", script]];
  return [process.execPath, [script]];
}

/** A socket's flow control that only records what was asked of it: pause, resume, destroy. */
export function recordingFlow(): {
  calls: string[];
  pause(): void;
  resume(): void;
  destroy(): void;
} {
  const calls: string[] = [];
  return {
    calls,
    pause: () => void calls.push("pause"),
    resume: () => void calls.push("resume"),
    destroy: () => void calls.push("destroy"),
  };
}

/**
 * The default export of a dev dependency: on Deno through its `npm:` specifier (`load`, a
 * literal import so that Deno type-checks it; Deno keeps no node_modules here), on Bun and Node
 * from the toolchain's node_modules by name.
 */
export async function devDependency<T>(
  name: string,
  load: () => Promise<{ default: T }>,
): Promise<T> {
  if ("Deno" in globalThis) return (await load()).default;
  const byName: string = name; // not a literal: Deno's type check must not resolve it
  return ((await import(byName)) as { default: T }).default;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for programs that need a port number). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
