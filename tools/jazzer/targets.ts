// Jazzer.js's view of the fuzz targets (tools/fuzz_targets.ts) over the npm build in dist/, the
// JavaScript that Jazzer instruments for coverage (it cannot instrument TypeScript). The target
// is named by PYRO5_FUZZ_TARGET; `fuzz` runs one input. Loaded through entry.mjs by tools/fuzz.sh.
import { fuzzTargets, loadModules } from "../fuzz_targets.ts";

const name = process.env.PYRO5_FUZZ_TARGET ?? "";
const targets = fuzzTargets(await loadModules(new URL("../../dist/", import.meta.url), ".js"));
const target = targets[name];
if (!target) throw new Error(`unknown fuzz target "${name}": ${Object.keys(targets).join(", ")}`);

/** One input, as libFuzzer gives it. */
export function fuzz(data: Buffer): void | Promise<void> {
  return target.run(new Uint8Array(data.buffer, data.byteOffset, data.length));
}
