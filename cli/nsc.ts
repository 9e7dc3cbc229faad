#!/usr/bin/env node
// The name server control tool, with Pyro5's commands and output: `python -m Pyro5.nsc`.
// Run: deno run -A cli/nsc.ts [-n host] [-p port] [-u unixsocket] [-v] command [args...]
import { parseCommandLine } from "./_argparse.ts";
import { locateNS, type NameServerProxy } from "../naming.ts";
import type { URI } from "../uri.ts";

const COMMANDS = [
  "list",
  "lookup",
  "register",
  "remove",
  "removematching",
  "listmatching",
  "yplookup_all",
  "yplookup_any",
  "setmeta",
  "ping",
];
/** How many arguments each command needs at least. */
const MIN_ARGS: Record<string, number> = {
  lookup: 1,
  register: 2,
  remove: 1,
  removematching: 1,
  listmatching: 1,
  yplookup_all: 1,
  yplookup_any: 1,
  setmeta: 1,
};
const USAGE = `usage: nsc [-h] [-n HOST] [-p PORT] [-u UNIXSOCKET] [-v]
           {${COMMANDS.join(",")}} [arg ...]

Pyro name server control utility (TypeScript)

positional arguments:
  {${COMMANDS.join(",")}}
                        the command to execute
  arg                   arguments for the command

options:
  -h, --help            show this help message and exit
  -n HOST, --host HOST  hostname of the NS
  -p PORT, --port PORT  port of the NS (or bc-port if host isn't specified)
  -u UNIXSOCKET, --unixsocket UNIXSOCKET
                        Unix domain socket name of the NS
  -v, --verbose         verbose output`;

/**
 * Runs the name server control tool (`pyro5 nsc`, `pyro5-nsc`).
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const cmd = parseCommandLine({
    prog: "nsc",
    usage: USAGE,
    positionals: true,
  }, argv);
  const fail = cmd.fail;
  const [command, ...args] = cmd.positionals;
  if (!command) fail("the following arguments are required: command");
  if (!COMMANDS.includes(command)) {
    fail(
      `argument command: invalid choice: '${command}' (choose from ${
        COMMANDS.map((c) => `'${c}'`).join(", ")
      })`,
    );
  }
  const port = cmd.int("port", null);
  const needed = MIN_ARGS[command] ?? 0;
  if (args.length < needed) {
    fail(`${command} needs ${needed} argument${needed > 1 ? "s" : ""}`);
  }

  function printList(result: Map<string, URI | [URI, Set<string>]>, title = ""): void {
    console.log(`--------START LIST ${title}`);
    for (const [name, entry] of [...result].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [uri, meta] = Array.isArray(entry) ? entry : [entry, new Set<string>()];
      console.log(`${name} --> ${uri}`);
      if (meta.size) console.log(`    metadata: {${[...meta].map((m) => `'${m}'`).join(", ")}}`);
    }
    console.log(`--------END LIST ${title}`);
  }

  function need(n: number): void {
    if (args.length < n) throw new Error(`${command} needs ${n} argument${n > 1 ? "s" : ""}`);
  }

  async function run(ns: NameServerProxy): Promise<void> {
    switch (command) {
      case "ping":
        await ns.ping();
        return console.log("Name server ping ok.");
      case "list":
        return printList(
          await ns.list({ prefix: args[0], returnMetadata: true }),
          args[0] ? `- prefix '${args[0]}'` : "",
        );
      case "listmatching":
        need(1);
        return printList(
          await ns.list({ regex: args[0], returnMetadata: true }),
          `- regex '${args[0]}'`,
        );
      case "lookup": {
        need(1);
        const [uri, meta] = await ns.lookup(args[0], { returnMetadata: true });
        console.log(String(uri));
        if (meta.size) console.log(`metadata: {${[...meta].map((m) => `'${m}'`).join(", ")}}`);
        return;
      }
      case "register":
        need(2);
        await ns.register(args[0], args[1], { safe: true });
        return console.log(`Registered ${args[0]}`);
      case "remove":
        need(1);
        return console.log((await ns.remove(args[0])) ? `Removed ${args[0]}` : "Nothing removed");
      case "removematching":
        need(1);
        return console.log(`${await ns.remove(null, { regex: args[0] })} items removed.`);
      case "setmeta":
        need(1);
        await ns.setMetadata(args[0], args.slice(1));
        return console.log(args.length > 1 ? "Metadata updated" : "Metadata cleared");
      case "yplookup_all":
        need(1);
        return printList(await ns.yplookup({ metaAll: args }), " - searched by metadata");
      case "yplookup_any":
        need(1);
        return printList(await ns.yplookup({ metaAny: args }), " - searched by metadata");
    }
  }

  if (cmd.has("verbose")) console.log("Locating name server...");
  let ns: NameServerProxy;
  try {
    ns = cmd.text("unixsocket")
      ? await locateNS(`./u:${cmd.text("unixsocket")}`)
      : await locateNS(cmd.text("host") || null, port || null);
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    process.exit(1);
  }
  if (cmd.has("verbose")) console.log(`Name server found: ${ns.uri}`);
  try {
    await run(ns);
    if (cmd.has("verbose")) console.log("Done.");
  } catch (e) {
    console.error(`Error: ${(e as Error).name} - ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    await ns._pyroRelease();
  }
}

if (import.meta.main) await main();
