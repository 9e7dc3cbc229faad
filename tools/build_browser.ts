// The browser build: browser.ts and everything it imports as one ES module, the file the
// gateway serves at /pyro/pyro5.js. No bundler dependency: the TypeScript compiler already in
// node_modules turns each source into a CommonJS-style function (its `x_1.name` accesses keep
// circular imports working), and a few lines of loader join them. A static `node:` import, or
// a module reached only by dynamic import() (the runtime adapters), stays out of the build:
// loading one in a page rejects.
// Run: deno run -A tools/build_browser.ts [out.js]  or  node tools/build_browser.ts [out.js]
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface TypeScript {
  transpileModule(
    source: string,
    options: { compilerOptions: Record<string, unknown>; fileName: string },
  ): { outputText: string };
  ModuleKind: { CommonJS: number };
  ScriptTarget: { ES2022: number };
}

const ts = createRequire(join(root, "package.json"))("typescript") as TypeScript;

// TypeScript's CommonJS form of `import("./x.ts")`, and of a static import.
const dynamicRequire =
  /Promise\.resolve\(\)\.then\(\(\) => __importStar\(require\("([^"]+)"\)\)\)/g;
const staticRequire = /\brequire\("([^"]+)"\)/g;

function transpile(path: string): string {
  return ts.transpileModule(readFileSync(join(root, path), "utf8"), {
    fileName: path,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      removeComments: true,
      verbatimModuleSyntax: false,
    },
  }).outputText;
}

/**
 * Builds the browser module.
 *
 * @param entry the entry file, relative to the repository root
 * @returns the module's source text
 */
export async function buildBrowserModule(entry = "browser.ts"): Promise<string> {
  const modules = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (modules.has(path)) continue;
    let code = transpile(path).replace(
      dynamicRequire,
      (_, spec: string) => `__unavailable(${JSON.stringify(spec)})`,
    );
    code = code.replace(staticRequire, (_, spec: string) => {
      if (!spec.startsWith(".")) {
        throw new Error(`build_browser: ${path} imports ${spec}, which a browser does not have`);
      }
      const target = relative(root, join(root, dirname(path), spec)).replaceAll("\\", "/");
      pending.push(target);
      return `__require(${JSON.stringify(target)})`;
    });
    modules.set(path, code);
  }
  // The names to export are the entry's own, read from the entry itself.
  const names = Object.keys(await import(pathToFileURL(join(root, entry)).href)).sort();
  const parts = [
    `// pyro5 for browsers: ${modules.size} modules from ${entry}, built by tools/build_browser.ts.`,
    "const __sources = Object.create(null);",
    "const __loaded = Object.create(null);",
    "function __require(path) {",
    "  const done = __loaded[path];",
    "  if (done) return done.exports;",
    "  const module = __loaded[path] = { exports: {} };",
    "  __sources[path](module.exports, module);",
    "  return module.exports;",
    "}",
    "function __unavailable(spec) {",
    "  return Promise.reject(new Error(`${spec} is not part of the browser build: in a page, ` +",
    "    'a Proxy needs { transport: webSocketTransport(url) }'));",
    "}",
  ];
  for (const [path, code] of [...modules].sort()) {
    parts.push(`__sources[${JSON.stringify(path)}] = function (exports, module) {\n${code}};`);
  }
  parts.push(`const __entry = __require(${JSON.stringify(entry)});`);
  // Exported under aliases: a module-level `const Proxy` would shadow the global Proxy that
  // the modules' functions above may use.
  names.forEach((name, i) => parts.push(`const __export${i} = __entry[${JSON.stringify(name)}];`));
  parts.push(`export { ${names.map((name, i) => `__export${i} as ${name}`).join(", ")} };`);
  return parts.join("\n") + "\n";
}

if (import.meta.main) {
  const out = process.argv[2] ?? join(root, "dist", "pyro5.browser.js");
  const text = await buildBrowserModule();
  writeFileSync(out, text);
  console.error(`build_browser: ${out} (${text.length} bytes)`);
}
