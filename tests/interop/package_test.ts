// The npm package as a user gets it: `npm pack`, installed into fresh Node 24 and Bun projects,
// imported, type-checked strictly, and its commands run through npx and bunx.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT, startPythonServer } from "../fixtures/python.ts";

const BIN = `${ROOT}node_modules/.bin`;
// A user on Node 24 has Node 24 first on PATH (this machine's own node may be older).
const ENV = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, NO_COLOR: "1" };

function sh(
  cmd: string,
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, {
      cwd,
      env: { ...ENV, ...extraEnv },
      timeout: 180000,
      maxBuffer: 16 * 1024 * 1024,
    }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err }))
  );
}

async function ok(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await sh(cmd, args, cwd);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} failed:\n${r.out}\n${r.err}`);
  return r.out;
}

// A user's file: the public entry points, typed calls, and a real call to a Python daemon.
const USER_FILE = `import { Proxy, URI, Daemon, expose, locateNS, config } from "pyro5";
import { NamingError, PyroError } from "pyro5/errors";
import { getSerializer } from "pyro5/serializers";
import type { Transport } from "pyro5/transport";
import { MsgType } from "pyro5/protocol";

declare const process: { argv: string[] };

interface Service {
  echo(x: string): string;
  add(a: number, b?: number): number;
}

const uri: string | undefined = process.argv[2];
if (uri === undefined) throw new Error("usage: app URI");
await using p = new Proxy<Service>(uri);
const text: string = await p.echo("from the package");
const sum: number = await p.add(2, 3);
const parsed = new URI(uri);
const t: Transport | null = null;
console.log(text, sum, parsed.object, typeof Daemon, typeof expose, typeof locateNS,
  config.SERIALIZER, getSerializer("json").name, MsgType.CONNECT,
  new NamingError("x") instanceof PyroError, t);
`;

const TSCONFIG = JSON.stringify({
  compilerOptions: {
    target: "ES2024",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["ESNext", "DOM"],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ["app.ts"],
});

function project(dir: string, name: string, tarball: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(
    join(path, "package.json"),
    JSON.stringify({
      name,
      private: true,
      type: "module",
      dependencies: { pyro5: `file:${tarball}` },
    }),
  );
  writeFileSync(join(path, "app.ts"), USER_FILE);
  writeFileSync(join(path, "tsconfig.json"), TSCONFIG);
  return path;
}

describe("the npm package", () => {
  it("packs JavaScript and declarations only, installs and runs on Node 24 and Bun", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyro5-pack-"));
    const daemon = await startPythonServer("test_daemon.py", []);
    try {
      // npm pack runs the build (prepack), then lists what went in.
      const packed = JSON.parse(
        await ok("npm", ["pack", "--json", "--pack-destination", dir, "--loglevel=error"], ROOT),
      )[0];
      const files: string[] = packed.files.map((f: { path: string }) => f.path);
      assert.ok(files.includes("dist/mod.js") && files.includes("dist/mod.d.ts"), "built files");
      assert.ok(files.includes("package.json") && files.includes("README.md"));
      const stray = files.filter((f) =>
        !(f.startsWith("dist/") && (f.endsWith(".js") || f.endsWith(".d.ts"))) &&
        f !== "package.json" && f !== "README.md"
      );
      assert.deepEqual(stray, [], "no tests, bench, tools, CI or .ts sources in the tarball");
      const tarball = join(dir, packed.filename);

      // Every public entry point of deno.json has types and import conditions in package.json.
      const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));
      const deno = JSON.parse(readFileSync(`${ROOT}deno.json`, "utf8"));
      assert.deepEqual(Object.keys(pkg.exports), Object.keys(deno.exports));
      for (const [key, source] of Object.entries(deno.exports) as Array<[string, string]>) {
        const base = source.replace(/^\.\//, "./dist/").replace(/\.ts$/, "");
        assert.deepEqual(pkg.exports[key], { types: `${base}.d.ts`, import: `${base}.js` }, key);
        assert.ok(files.includes(base.slice(2) + ".js"), `${base}.js is in the tarball`);
      }
      assert.equal(pkg.engines.node, ">=24");

      // Node 24: npm install, run the user's TypeScript file, type-check it strictly.
      const node = project(dir, "node-app", tarball);
      await ok("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], node);
      assert.equal(
        await ok(`${BIN}/node`, ["app.ts", daemon.announced], node),
        "from the package 5 test.service function function function serpent json 1 true null\n",
      );
      await ok(`${BIN}/node`, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", "."], node);
      const help = await ok("npx", ["--no-install", "pyro5", "--help"], node);
      assert.match(
        help,
        /^usage: pyro5 .*\{ns,nsc,echoserver,httpgateway,check-config,call,doctor\}/,
      );
      const called = await ok(
        "npx",
        ["--no-install", "pyro5", "call", daemon.announced, "add", "2", "b=40"],
        node,
      );
      assert.equal(called, "42\n");
      const failed = await sh(
        "npx",
        ["--no-install", "pyro5", "call", daemon.announced, "fail"],
        node,
      );
      assert.equal(failed.code, 1);
      assert.match(
        failed.err,
        /Remote traceback:[\s\S]*ValueError: boom[\s\S]*\nValueError: boom\n$/,
      );
      for (const bin of ["pyro5-ns", "pyro5-nsc", "pyro5-echoserver"]) {
        assert.match(await ok("npx", ["--no-install", bin, "--help"], node), /^usage: /, bin);
      }

      // Bun: bun install, run the same file, bunx the name server.
      const bun = project(dir, "bun-app", tarball);
      await ok(`${BIN}/bun`, ["install", "--no-save"], bun);
      assert.equal(
        await ok(`${BIN}/bun`, ["app.ts", daemon.announced], bun),
        "from the package 5 test.service function function function serpent json 1 true null\n",
      );
      const ns = spawn(`${BIN}/bun`, ["x", "pyro5", "ns", "-n", "127.0.0.1", "-p", "0"], {
        cwd: bun,
        env: ENV,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      ns.stderr!.on("data", (d) => err += d);
      const uriLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: ns.stdout! }).on("line", (l) => {
          if (l.startsWith("URI = ")) resolve(l.slice(6));
        });
        ns.once("exit", (code) => reject(new Error(`bunx pyro5 ns exited ${code}: ${err}`)));
      });
      assert.match(uriLine, /^PYRO:Pyro\.NameServer@127\.0\.0\.1:\d+$/);
      const pinged = await ok(`${BIN}/bun`, [
        "x",
        "pyro5",
        "nsc",
        "-n",
        "127.0.0.1",
        "-p",
        uriLine.split(":").at(-1)!,
        "ping",
      ], bun);
      assert.equal(pinged, "Name server ping ok.\n");
      const exited = new Promise((r) => ns.once("exit", r));
      ns.kill("SIGINT");
      await exited;
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
