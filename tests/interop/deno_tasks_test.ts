// The README's `deno task` commands in a fresh clone: they run the user's own deno, download no
// npm packages and leave no node_modules or lock file behind.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../fixtures/python.ts";

function sizeOf(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += sizeOf(join(path, entry));
  return total;
}

describe("deno task in a fresh clone", () => {
  it("runs the README's tasks with the user's deno and downloads nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyro5-clone-"));
    try {
      const clone = join(dir, "pyro5");
      // The files a clone of this tree gets: tracked ones and new ones not ignored.
      const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], {
        cwd: ROOT,
        encoding: "utf8",
      }).split("\n").filter((f) => f && existsSync(join(ROOT, f)));
      for (const f of files) {
        mkdirSync(dirname(join(clone, f)), { recursive: true });
        cpSync(join(ROOT, f), join(clone, f));
      }
      const denoDir = join(dir, "deno-cache");
      // The user's deno: a real deno binary first on PATH, and an empty cache of its own.
      const env = {
        ...process.env,
        PATH: `${ROOT}node_modules/.bin:${process.env.PATH}`,
        DENO_DIR: denoDir,
        NO_COLOR: "1",
      };
      const task = (...args: string[]) =>
        new Promise<{ code: number; out: string; err: string }>((resolve) =>
          execFile(
            "deno",
            ["task", ...args],
            { cwd: clone, env, timeout: 120000 },
            (e, out, err) =>
              resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err }),
          )
        );
      for (const name of ["ns", "nsc", "echoserver", "pyro5"]) {
        const r = await task(name, "--help");
        assert.equal(r.code, 0, `deno task ${name} --help: ${r.err}`);
        assert.match(r.out, /^usage: /, name);
      }
      assert.ok(!existsSync(join(clone, "node_modules")), "no node_modules in the clone");
      assert.ok(!existsSync(join(clone, "deno.lock")), "no lock file in the clone");
      const mb = sizeOf(denoDir) / 1e6;
      assert.ok(mb < 50, `the deno cache grew by ${mb.toFixed(0)} MB (the npm toolchain?)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
