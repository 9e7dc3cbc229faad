#!/usr/bin/env node
// `pyro5 call URI METHOD [ARG ...] [KEY=VALUE ...]`: one remote call from the shell.
import { parseCommandLine } from "./_argparse.ts";
import { kwargs, Proxy } from "../client.ts";
import { getPyroTraceback } from "../errors.ts";
import { getSerializer, type SerializerName } from "../serializers/mod.ts";
import { SERIALIZER_NAMES } from "../serializers/formats.ts";

const USAGE = `usage: call [-h] [--json | --repr] [-s SERIALIZER] [-t TIMEOUT] uri method [arg ...]

Calls a method of a remote object once and prints the result.

positional arguments:
  uri                   the object: PYRO:obj@host:port, PYRONAME:name[@host:port], PYROMETA:tags
  method                the method to call (or an attribute to read, without arguments)
  arg                   arguments, parsed as JSON where they parse (else taken as text);
                        key=value passes a keyword argument (the value parsed the same way)

options:
  -h, --help            show this help message and exit
  --json                print the result as JSON (the default)
  --repr                print the result as a Python literal (repr)
  -s SERIALIZER, --serializer SERIALIZER
                        serpent, json, marshal or msgpack (default: config SERIALIZER)
  -t TIMEOUT, --timeout TIMEOUT
                        seconds to wait for the reply

example:
  pyro5 call PYRONAME:example.greeting get_fortune Alice --json`;
const SPEC = { prog: "call", usage: USAGE, positionals: true, shortUsage: false };

function fail(reason: string): never {
  console.error(USAGE);
  console.error(`call: error: ${reason}`);
  process.exit(2);
}

/** A command-line word as a value: JSON where it parses, else the text itself. */
function parseValue(text: string): unknown {
  // Integers beyond 2**53 stay exact, as Python's ints do.
  if (/^-?\d{16,}$/.test(text) && !Number.isSafeInteger(Number(text))) return BigInt(text);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Splits command-line words into positional arguments and `key=value` keyword arguments. */
function splitCallArgs(words: string[]): [unknown[], Record<string, unknown> | null] {
  const positional: unknown[] = [];
  let keywords: Record<string, unknown> | null = null;
  for (const word of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word);
    if (m) {
      keywords ??= {};
      keywords[m[1]!] = parseValue(m[2]!);
    } else if (keywords) fail(`positional argument '${word}' follows keyword argument`);
    else positional.push(parseValue(word));
  }
  return [positional, keywords];
}

/** A JSON.stringify replacer for what Pyro results hold: bigints, Maps, Sets, bytes, URIs. */
function toJson(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) {
    let s = "";
    for (const b of value) s += String.fromCharCode(b);
    return { data: btoa(s), encoding: "base64" };
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

function pythonRepr(value: unknown): string {
  const text = new TextDecoder().decode(getSerializer("serpent").dumps(value));
  // Serpent writes a Python literal after its header line.
  return text.slice(text.indexOf("\n") + 1);
}

/**
 * Makes the call and prints the result; a remote error prints its Python traceback and exits 1.
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const cmd = parseCommandLine(SPEC, argv);
  const serializer = cmd.text("serializer");
  if (cmd.has("json") && cmd.has("repr")) fail("argument --repr: not allowed with argument --json");
  const [uri, method, ...words] = cmd.positionals;
  if (uri === undefined || method === undefined) {
    fail("the following arguments are required: uri, method");
  }
  if (
    serializer !== undefined && !(SERIALIZER_NAMES as readonly string[]).includes(serializer)
  ) {
    fail(
      `argument -s/--serializer: invalid choice: '${serializer}' (choose from ${
        SERIALIZER_NAMES.map((n) => `'${n}'`).join(", ")
      })`,
    );
  }
  const timeout = cmd.float("timeout", undefined);
  if (timeout !== undefined && !(timeout > 0)) {
    fail(`argument -t/--timeout: invalid float value: '${cmd.text("timeout")}'`);
  }
  const [args, keywords] = splitCallArgs(words);
  let proxy;
  try {
    proxy = new Proxy(uri, {
      serializer: serializer as SerializerName | undefined,
      timeout: timeout ?? null,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  try {
    await proxy._pyroBind();
    let result: unknown;
    if (!proxy._pyroMethods.has(method) && proxy._pyroAttrs.has(method) && words.length === 0) {
      result = await proxy[method];
    } else {
      result = await proxy[method](...args, ...(keywords ? [kwargs(keywords)] : []));
    }
    if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) {
      // A remote generator: collect its items.
      const items = [];
      for await (const item of result as AsyncIterable<unknown>) items.push(item);
      result = items;
    }
    console.log(cmd.has("repr") ? pythonRepr(result) : JSON.stringify(result ?? null, toJson, 2));
  } catch (e) {
    const remote = getPyroTraceback(e);
    if (remote) process.stderr.write(remote);
    console.error(`${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? e}`);
    process.exitCode = 1;
  } finally {
    await proxy._pyroRelease();
  }
}

if (import.meta.main) await main();
