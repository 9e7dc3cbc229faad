/**
 * JSON text as Python's `json.dumps` writes it with its default options: `", "` and `": "` as
 * separators and every character outside ASCII escaped (`ensure_ascii`). The gateway builds
 * its own answers (`$meta`, gateway-side errors) this way, so that they read byte for byte like
 * the answers of Pyro5's gateway.
 *
 * @module
 */

function pyString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += text[i];
  }
  return out + '"';
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  return String(n);
}

/**
 * Writes a value as Python's `json.dumps(value)` would.
 *
 * @param value strings, numbers, booleans, null, arrays, sets and plain objects (or Maps)
 * @returns the JSON text
 * @example
 * ```ts
 * import { pyJsonDumps } from "./py_json.ts";
 * console.log(pyJsonDumps({ methods: ["echo"], attributes: [] }));
 * // {"methods": ["echo"], "attributes": []}
 * ```
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return pyString(value);
    case "number":
      return pyNumber(value);
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
  }
  if (Array.isArray(value) || value instanceof Set) {
    return "[" + [...value].map(pyJsonDumps).join(", ") + "]";
  }
  const entries = value instanceof Map
    ? [...value].map(([k, v]) => [String(k), v] as const)
    : Object.entries(value as Record<string, unknown>);
  return "{" + entries.map(([k, v]) => `${pyString(k)}: ${pyJsonDumps(v)}`).join(", ") + "}";
}
