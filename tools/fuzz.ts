// Mutation fuzzing of the decoders, for a given time: `fuzz.ts <seconds> [target]`. Targets: the
// four deserializers (loads and loadsCall), the frame decoder, the message reader and the
// daemon's handshake (a CONNECT message read and answered by a daemon over an in-memory pair).
// Seeds are the golden vectors of tests/vectors; each input is a seed mutated by fast-check
// (bytes replaced, inserted, deleted, spliced from another seed) or random bytes. An input that
// makes a target throw anything but ProtocolError/SerializeError (ConnectionClosedError for a
// stream cut inside a message), or take over a second, is a crash: printed as hex, and the
// command exits 1. Prints one line per target: inputs run, crashes.
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getSerializer } from "../serializers/mod.ts";
import { FrameDecoder } from "../protocol/frame_decoder.ts";
import { MessageReader } from "../protocol/message_stream.ts";
import { ConnectionClosedError, ProtocolError, SerializeError } from "../errors.ts";
import { Daemon } from "../server.ts";
import { memoryPair } from "../transport/mod.ts";

const seconds = Number(process.argv[2] ?? 60);
const only = process.argv[3];
const VECTORS = fileURLToPath(new URL("../tests/vectors/", import.meta.url));

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Every hex string of the vector files whose key names bytes (hex, full_hex, payload_hex...). */
function seeds(filter: (file: string) => boolean): Uint8Array[] {
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

function mutated(pool: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ op: fc.constant("set"), at: fc.nat(), b: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant("ins"), at: fc.nat(), b: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant("del"), at: fc.nat(), b: fc.nat(16) }),
    fc.record({ op: fc.constant("splice"), at: fc.nat(), b: fc.nat() }),
  );
  return fc.oneof(
    fc.uint8Array({ maxLength: 256 }),
    fc.tuple(fc.nat(pool.length - 1), fc.array(edit, { maxLength: 8 })).map(([i, edits]) => {
      let bytes = Array.from(pool[i]);
      for (const e of edits) {
        const at = bytes.length ? e.at % bytes.length : 0;
        if (e.op === "set" && bytes.length) bytes[at] = e.b;
        else if (e.op === "ins") bytes.splice(at, 0, e.b);
        else if (e.op === "del") bytes.splice(at, e.b + 1);
        else if (e.op === "splice") {
          const other = pool[e.b % pool.length];
          bytes = bytes.slice(0, at).concat(Array.from(other.subarray(at % (other.length + 1))));
        }
      }
      return new Uint8Array(bytes);
    }),
  );
}

function expected(e: unknown): boolean {
  return e instanceof ProtocolError || e instanceof SerializeError ||
    e instanceof ConnectionClosedError;
}

type Target = (bytes: Uint8Array) => void | Promise<void>;
const targets: Record<string, { pool: Uint8Array[]; run: Target }> = {};
for (const name of ["serpent", "json", "marshal", "msgpack"]) {
  const s = getSerializer(name);
  targets[name] = {
    pool: seeds((f) => f.includes(name)),
    run: (bytes) => {
      try {
        s.loads(bytes);
      } catch (e) {
        if (!expected(e)) throw e;
      }
      try {
        s.loadsCall(bytes);
      } catch (e) {
        if (!expected(e)) throw e;
      }
    },
  };
}
const messageSeeds = seeds((f) => !f.startsWith("serializer"));
targets["frame-decoder"] = {
  pool: messageSeeds,
  run: (bytes) => {
    const decoder = new FrameDecoder({ maxMessageSize: 1 << 20 });
    try {
      for (let i = 0; i < bytes.length; i += 7) decoder.push(bytes.subarray(i, i + 7));
      decoder.end();
    } catch (e) {
      if (!expected(e)) throw e;
    }
  },
};
targets["message-reader"] = {
  pool: messageSeeds,
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
    const reader = new MessageReader(source, { maxMessageSize: 1 << 20, maxInflatedSize: 1 << 20 });
    try {
      while (await reader.read() !== null);
    } catch (e) {
      if (!expected(e)) throw e;
    }
  },
};
targets["handshake"] = {
  pool: messageSeeds,
  run: async (bytes) => {
    // A daemon reads the bytes as a new client's first message, then answers or closes.
    const [client, server] = memoryPair();
    const daemon = new Daemon({ connectedSocket: server, config: { HANDSHAKE_TIMEOUT: 1 } });
    try {
      await client.write(bytes);
      await client.close();
    } finally {
      await daemon.close();
    }
  },
};

let crashes = 0;
const unexpected: unknown[] = [];
const onUnhandled = (e: unknown) => unexpected.push(e);
process.on("unhandledRejection", onUnhandled);
const names = only ? [only] : Object.keys(targets);
const share = (seconds * 1000) / names.length;
for (const name of names) {
  const { pool, run } = targets[name];
  const until = Date.now() + share;
  let inputs = 0;
  let found = 0;
  while (Date.now() < until) {
    const batch = fc.sample(mutated(pool), 500);
    for (const bytes of batch) {
      inputs++;
      try {
        const started = Date.now();
        await run(bytes);
        if (Date.now() - started > 1000) throw new Error("took over a second");
        if (unexpected.length) throw unexpected.shift();
      } catch (e) {
        found++;
        if (found <= 5) {
          console.error(`${name}: ${e}\n  input: ${Buffer.from(bytes).toString("hex")}`);
        }
      }
    }
  }
  crashes += found;
  console.log(`${name}: ${inputs} inputs, ${found} crashes`);
}
process.exit(crashes ? 1 : 0);
