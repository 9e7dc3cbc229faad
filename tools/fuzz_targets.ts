// The fuzz targets, written once for both fuzzers: tools/fuzz.ts (mutations by fast-check, on the
// TypeScript sources) and tools/jazzer/targets.ts (coverage-guided by Jazzer.js, on the npm
// build's JavaScript, which Jazzer can instrument). Targets: the four deserializers (loads and
// loadsCall), the frame decoder, the message reader and the daemon's handshake (a CONNECT message
// read and answered by one daemon serving each input as a new in-memory connection). An input that makes a target throw
// anything but ProtocolError/SerializeError (ConnectionClosedError for a stream cut inside a
// message) is a crash; the fuzzers add their own time limit.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ConnectionClosedError, ProtocolError, SerializeError } from "../errors.ts";
import type { FrameDecoder } from "../protocol/frame_decoder.ts";
import type { MessageReader } from "../protocol/message_stream.ts";
import type { getSerializer } from "../serializers/mod.ts";
import type { Daemon } from "../server.ts";
import type { memoryPair, memoryTransport } from "../transport/mod.ts";

/** The package's parts the targets run, from one copy of it (sources or build). */
export interface Modules {
  ProtocolError: typeof ProtocolError;
  SerializeError: typeof SerializeError;
  ConnectionClosedError: typeof ConnectionClosedError;
  getSerializer: typeof getSerializer;
  FrameDecoder: typeof FrameDecoder;
  MessageReader: typeof MessageReader;
  Daemon: typeof Daemon;
  memoryPair: typeof memoryPair;
  memoryTransport: typeof memoryTransport;
}

/**
 * The package's parts from the copy at `root`: the sources (`../`, ".ts") or the npm build
 * (`../dist/`, ".js").
 */
export async function loadModules(root: URL, extension: ".ts" | ".js"): Promise<Modules> {
  const load = (path: string) => import(new URL(path + extension, root).href);
  const [errors, serializers, frames, messages, server, transports] = await Promise.all([
    load("errors"),
    load("serializers/mod"),
    load("protocol/frame_decoder"),
    load("protocol/message_stream"),
    load("server"),
    load("transport/mod"),
  ]);
  return { ...errors, ...serializers, ...frames, ...messages, ...server, ...transports };
}

/** A target: the inputs it starts from (the golden vectors), and what runs one input. */
export interface Target {
  seeds: Uint8Array[];
  run: (bytes: Uint8Array) => void | Promise<void>;
}

const VECTORS = fileURLToPath(new URL("../tests/vectors/", import.meta.url));

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Every hex string of the vector files whose key names bytes (hex, full_hex, payload_hex...). */
function vectors(filter: (file: string) => boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  const walk = (v: unknown, k = ""): void => {
    if (typeof v === "string" && /hex$/.test(k) && /^([0-9a-f]{2})+$/.test(v)) out.push(fromHex(v));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, k));
    else if (v && typeof v === "object") { for (const [kk, x] of Object.entries(v)) walk(x, kk); }
  };
  for (const f of readdirSync(VECTORS).filter((f) => f.endsWith(".json") && filter(f))) {
    walk(JSON.parse(readFileSync(VECTORS + f, "utf8")));
  }
  return out.length ? out : [new Uint8Array(0)];
}

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"];

/** The targets' names, in the order the fuzzers run them. */
export const TARGET_NAMES: readonly string[] = [
  ...SERIALIZERS,
  "frame-decoder",
  "message-reader",
  "handshake",
];

/** The inputs a target starts from: the golden vectors of its format, or of messages. */
export function seedsOf(target: string): Uint8Array[] {
  return SERIALIZERS.includes(target)
    ? vectors((f) => f.includes(target))
    : vectors((f) => !f.startsWith("serializer"));
}

/** The targets by name, over the given copy of the package. */
export function fuzzTargets(m: Modules): Record<string, Target> {
  const expected = (e: unknown) =>
    e instanceof m.ProtocolError || e instanceof m.SerializeError ||
    e instanceof m.ConnectionClosedError;
  const refusing = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      if (!expected(e)) throw e;
    }
  };
  const targets: Record<string, Target> = {};
  for (const name of SERIALIZERS) {
    const s = m.getSerializer(name);
    targets[name] = {
      seeds: seedsOf(name),
      run: (bytes) => {
        refusing(() => s.loads(bytes));
        refusing(() => s.loadsCall(bytes));
      },
    };
  }
  const messageSeeds = seedsOf("handshake");
  targets["frame-decoder"] = {
    seeds: messageSeeds,
    run: (bytes) =>
      refusing(() => {
        const decoder = new m.FrameDecoder({ maxMessageSize: 1 << 20 });
        for (let i = 0; i < bytes.length; i += 7) decoder.push(bytes.subarray(i, i + 7));
        decoder.end();
      }),
  };
  targets["message-reader"] = {
    seeds: messageSeeds,
    run: async (bytes) => {
      let sent = false;
      const source = {
        read: () =>
          Promise.resolve(
            sent
              ? { done: true as const, value: undefined }
              : (sent = true, { done: false as const, value: bytes }),
          ),
        cancel: () => Promise.resolve(),
      };
      const limits = { maxMessageSize: 1 << 20, maxInflatedSize: 1 << 20 };
      const reader = new m.MessageReader(source, limits);
      try {
        while (await reader.read() !== null);
      } catch (e) {
        if (!expected(e)) throw e;
      }
    },
  };
  // One daemon for all inputs, as one daemon meets many hostile clients: each input is a new
  // connection it serves (daemon.serve), read as a client's first message and what follows, so
  // that state one input leaves behind meets the next.
  let daemon: Promise<InstanceType<typeof m.Daemon>> | null = null;
  targets["handshake"] = {
    seeds: messageSeeds,
    run: async (bytes) => {
      daemon ??= m.Daemon.create({
        transport: m.memoryTransport(),
        config: { HANDSHAKE_TIMEOUT: 1 },
      });
      const [client, server] = m.memoryPair();
      const served = (await daemon).serve(server);
      await client.write(bytes);
      await client.close();
      await served;
    },
  };
  return targets;
}
