// Mutation fuzzing of the decoders, for a given time: `fuzz.ts <seconds> [target]`. Targets: the
// four deserializers (loads and loadsCall), the frame decoder, the message reader and the
// daemon's handshake (a CONNECT message read and answered by a daemon over an in-memory pair).
// Seeds are the golden vectors of tests/vectors; each input is a seed mutated by fast-check
// (bytes replaced, inserted, deleted, spliced from another seed) or random bytes. An input that
// makes a target throw anything but ProtocolError/SerializeError (ConnectionClosedError for a
// stream cut inside a message), or take over a second, is a crash: printed as hex, and the
// command exits 1. Prints one line per target: inputs run, crashes.
import fc from "fast-check";
import { fuzzTargets, loadModules } from "./fuzz_targets.ts";

const seconds = Number(process.argv[2] ?? 60);
const only = process.argv[3];
const targets = fuzzTargets(await loadModules(new URL("../", import.meta.url), ".ts"));

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

let crashes = 0;
const unexpected: unknown[] = [];
const onUnhandled = (e: unknown) => unexpected.push(e);
process.on("unhandledRejection", onUnhandled);
const names = only ? [only] : Object.keys(targets);
const share = (seconds * 1000) / names.length;
for (const name of names) {
  const { seeds, run } = targets[name];
  const until = Date.now() + share;
  let inputs = 0;
  let found = 0;
  while (Date.now() < until) {
    const batch = fc.sample(mutated(seeds), 500);
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
