// Jazzer.js loads its target by a .js/.mjs name; the target itself is TypeScript.
export { fuzz } from "./targets.ts";
