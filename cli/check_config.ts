#!/usr/bin/env node
// `pyro5 check-config`: Pyro5's pyro5-check-config, with where each value came from.
import { fileURLToPath } from "node:url";
import { config, defaultConfig, readEnvironmentAccess } from "../config.ts";
import { PROTOCOL_VERSION } from "../protocol/constants.ts";

const USAGE = `usage: check-config [-h]

Shows the active Pyro configuration: every config item with its value and where it came from
(a PYRO_* environment variable, or the default).`;

function loadedFrom(): string {
  const here = new URL("..", import.meta.url);
  return here.protocol === "file:" ? fileURLToPath(here) : here.href;
}

function runtime(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return `Node ${process.version}`;
}

/** Python's str() of a config value. */
function show(value: unknown): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Array.isArray(value)) return `[${value.map((v) => `'${v}'`).join(", ")}]`;
  return String(value);
}

function envValue(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined; // Deno without --allow-env
  }
}

/**
 * Prints the configuration report.
 *
 * @param argv the arguments after the command name
 */
export function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log(USAGE);
    return Promise.resolve();
  }
  if (argv.length > 0) {
    console.error(USAGE);
    console.error(`check-config: error: unrecognized arguments: ${argv.join(" ")}`);
    process.exit(2);
  }
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  const current = config as unknown as Record<string, unknown>;
  const access = readEnvironmentAccess();
  const lines = [
    "Pyro version: 5 (TypeScript pyro5)",
    `Loaded from: ${loadedFrom()}`,
    `Runtime: ${runtime()} (${process.platform})`,
    `Protocol version: ${PROTOCOL_VERSION}`,
    `Environment: ${
      access.access === "all"
        ? "read"
        : access.access === "some"
        ? "PYRO_* variables read one by one"
        : `not readable (${access.reason}); grant --allow-env=PYRO_* (Deno)`
    }`,
    "Currently active global configuration settings:",
  ];
  for (const item of Object.keys(current).sort()) {
    const fromEnv = envValue(`PYRO_${item}`);
    const source = fromEnv !== undefined
      ? `from PYRO_${item}`
      : show(current[item]) === show(defaults[item])
      ? "default"
      : "set by the program";
    lines.push(`${item} = ${show(current[item])}   (${source})`);
  }
  console.log(lines.join("\n"));
  return Promise.resolve();
}

if (import.meta.main) await main();
