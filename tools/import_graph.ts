/**
 * The static import graph of the package's sources: which files an entry point loads before any
 * of its code runs (`import … from`, `export … from`, bare `import "…"`; not `import type`, not
 * dynamic `import()`), and what each of them names of a runtime.
 *
 * Used by tests/unit/import_graph_test.ts, and as a command that prints the offences:
 * `node tools/import_graph.ts mod.ts client.ts`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const root: string = join(dirname(fileURLToPath(import.meta.url)), "..");

// A static import or re-export, up to its specifier; `import type`/`export type` are left out
// by the check below because they are erased.
const staticImport = /^\s*(import|export)\s+(type\s+)?([\w*${}\s,]*?\s+from\s+)?["']([^"']+)["']/gm;

/** The specifiers a source file loads statically (type-only imports left out). */
export function staticImports(source: string): string[] {
  const out: string[] = [];
  for (const match of source.matchAll(staticImport)) {
    const [, keyword, typeOnly, clause, specifier] = match;
    if (typeOnly) continue;
    if (keyword === "export" && !clause) continue; // `export "x"` is not a thing; be safe
    if (clause && /^\{\s*(type\s+[\w$]+\s*(as\s+[\w$]+\s*)?,?\s*)+\}\s+from\s+$/.test(clause)) {
      continue; // `import { type A, type B } from` is erased too
    }
    out.push(specifier);
  }
  return out;
}

/** A file of the graph and the runtime names it uses. */
export interface GraphFile {
  /** Path relative to the repository root. */
  path: string;
  /** `node:` modules it imports statically. */
  nodeModules: string[];
  /** Whether its code (comments left out) names `Deno.` or `Bun.`. */
  namesRuntime: string[];
}

/** Every file reachable by static imports from the entry points (paths relative to the root). */
export function staticGraph(entries: string[]): GraphFile[] {
  const seen = new Map<string, GraphFile>();
  const pending = entries.map((e) => join(root, e));
  while (pending.length > 0) {
    const file = pending.pop()!;
    const path = relative(root, file);
    if (seen.has(path)) continue;
    const source = readFileSync(file, "utf8");
    const node: GraphFile = { path, nodeModules: [], namesRuntime: [] };
    seen.set(path, node);
    for (const specifier of staticImports(source)) {
      if (specifier.startsWith("node:")) node.nodeModules.push(specifier);
      else if (specifier.startsWith(".")) pending.push(join(dirname(file), specifier));
      else node.nodeModules.push(specifier); // a bare package name: no runtime dependency allowed
    }
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
    for (const name of ["Deno", "Bun"]) {
      if (new RegExp(`(^|[^\\w."'])${name}\\.`).test(code)) node.namesRuntime.push(name);
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** What the rule forbids in the graph: lines naming the file and the offence. */
export function offences(entries: string[], allowedNodeModules: string[]): string[] {
  const out: string[] = [];
  for (const file of staticGraph(entries)) {
    for (const m of file.nodeModules) {
      if (!allowedNodeModules.includes(m)) out.push(`${file.path} imports ${m}`);
    }
    const runtimeFolder = file.path.startsWith("transport/") || file.path.startsWith("cli/");
    if (!runtimeFolder) {
      for (const name of file.namesRuntime) out.push(`${file.path} names ${name}.`);
    }
  }
  return out;
}

if (import.meta.main ?? process.argv[1] === fileURLToPath(import.meta.url)) {
  const entries = process.argv.slice(2);
  for (const line of offences(entries, ["node:async_hooks"])) console.log(line);
}
