// The npm package's build: JavaScript plus .d.ts declarations in dist/, from the same .ts sources
// that Deno and JSR use as they are. Node refuses to strip types under node_modules, and a user's
// tsc should read declarations, not our sources. Run: node tools/build.ts (npm pack runs it).
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = join(root, "dist");

rmSync(dist, { recursive: true, force: true });
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const built = spawnSync(process.execPath, [tsc, "-p", join(root, "tools", "tsconfig.build.json")], {
  stdio: "inherit",
});
if (built.status !== 0) {
  console.error("build: tsc failed");
  process.exit(1);
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

// tsc rewrites the .ts extensions of relative imports in JavaScript, but leaves them in the
// declarations (and in the doc examples of both): a user's tsc resolves ./x.js to ./x.d.ts.
const relativeTs = /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*)\.ts\2/g;
let count = 0;
for (const file of files(dist)) {
  if (!file.endsWith(".js") && !file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(
    relativeTs,
    (_, lead, quote, path) => `${lead}${quote}${path}.js${quote}`,
  );
  if (fixed !== text) writeFileSync(file, fixed);
  // The command-line tools start with a shebang; npm links them as bins.
  if (file.includes(`${join("dist", "cli")}`) && file.endsWith(".js") && fixed.startsWith("#!")) {
    chmodSync(file, 0o755);
  }
  count++;
}
// The browser module, which the gateway's --websocket serves at /pyro/pyro5.js.
const { buildBrowserModule } = await import("./build_browser.ts");
writeFileSync(join(dist, "pyro5.browser.js"), await buildBrowserModule());
count++;
// On stderr: `npm pack --json` prints its JSON on stdout after this.
console.error(`build: ${count} files in dist/`);
