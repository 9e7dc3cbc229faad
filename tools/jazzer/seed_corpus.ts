// Writes a target's seeds (the golden vectors) into a corpus folder, once: later runs start from
// what the fuzzer kept there. Usage: node tools/jazzer/seed_corpus.ts <folder> <target>
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seedsOf } from "../fuzz_targets.ts";

const [folder, target] = process.argv.slice(2);
if (!existsSync(folder) || readdirSync(folder).length === 0) {
  mkdirSync(folder, { recursive: true });
  seedsOf(target).forEach((seed, i) => writeFileSync(join(folder, `seed-${i}`), seed));
}
