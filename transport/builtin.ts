/**
 * Loads a runtime's built-in module (`node:net`, `node:fs`, ...) when it is first needed, not
 * when a file is imported: Deno, Bun and Node 24 all give `process.getBuiltinModule`, and a
 * browser, which has none, can still import every module that only mentions one.
 *
 * @module
 */

type ProcessWithBuiltins = { getBuiltinModule?(id: string): unknown };

/**
 * The built-in module `id`, or undefined where the runtime has none (a browser).
 *
 * @param id the module, e.g. `node:async_hooks`
 * @returns the module's namespace, or undefined
 * @example
 * ```ts
 * import { optionalBuiltin } from "./builtin.ts";
 * const fs = optionalBuiltin<typeof import("node:fs")>("node:fs");
 * console.log(typeof fs?.appendFileSync); // "function" on Deno, Bun and Node
 * ```
 */
export function optionalBuiltin<T>(id: string): T | undefined {
  const process = (globalThis as { process?: ProcessWithBuiltins }).process;
  return process?.getBuiltinModule?.(id) as T | undefined;
}

/**
 * A getter for the built-in module `id`, loaded on its first call and kept.
 *
 * @param id the module, e.g. `node:net`
 * @returns a function that gives the module
 * @throws {Error} from the getter, where the runtime has no such module
 * @example
 * ```ts
 * import { builtin } from "./builtin.ts";
 * const os = builtin<typeof import("node:os")>("node:os");
 * console.log(typeof os().hostname()); // "string"
 * ```
 */
export function builtin<T>(id: string): () => T {
  let module: T | undefined;
  return () => {
    module ??= optionalBuiltin<T>(id);
    if (module === undefined) throw new Error(`${id} is not available in this runtime`);
    return module;
  };
}
