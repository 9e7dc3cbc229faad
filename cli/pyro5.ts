#!/usr/bin/env node
/**
 * The `pyro5` command: Pyro5's tools under one name, plus `call` and `doctor`.
 *
 * ```sh
 * npx pyro5 --help
 * bunx pyro5 ns -n 127.0.0.1
 * deno run -A jsr:@pyro5/pyro5/cli call PYRONAME:example.greeting get_fortune Alice
 * ```
 *
 * @module
 */

/** What a subcommand module offers: its `main`, given the arguments after the subcommand. */
interface Tool {
  main(argv: string[]): Promise<void>;
}

/** The subcommands, each loaded only when it runs. */
export const COMMANDS: Readonly<Record<string, { about: string; load: () => Promise<Tool> }>> = {
  ns: { about: "run a name server (Pyro5: pyro5-ns)", load: () => import("./ns.ts") },
  nsc: { about: "name server control (Pyro5: pyro5-nsc)", load: () => import("./nsc.ts") },
  echoserver: {
    about: "run the test echo server (Pyro5: pyro5-echoserver)",
    load: () => import("./echoserver.ts"),
  },
  httpgateway: {
    about: "run the HTTP gateway (Pyro5: pyro5-httpgateway)",
    load: () => import("./httpgateway.ts"),
  },
  "check-config": {
    about: "show every config item, its value and where it came from (Pyro5: pyro5-check-config)",
    load: () => import("./check_config.ts"),
  },
  call: {
    about: "call a method of a remote object once and print the result",
    load: () => import("./call.ts"),
  },
  doctor: {
    about: "find out why a name server or daemon cannot be reached, and how to fix it",
    load: () => import("./doctor.ts"),
  },
};

function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return `usage: pyro5 [-h] {${names.join(",")}} ...

Pyro5 tools (TypeScript); "pyro5 COMMAND --help" shows a command's options

commands:
${names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n]!.about}`).join("\n")}`;
}

/**
 * Runs the `pyro5` command.
 *
 * @param argv the arguments, the subcommand first
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help") {
    if (name === undefined) {
      console.error(usage());
      console.error("pyro5: error: the following arguments are required: command");
      process.exit(2);
    }
    console.log(usage());
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(usage());
    console.error(
      `pyro5: error: argument command: invalid choice: '${name}' (choose from ${
        Object.keys(COMMANDS).map((c) => `'${c}'`).join(", ")
      })`,
    );
    process.exit(2);
  }
  let tool: Tool;
  try {
    tool = await command.load();
  } catch (e) {
    // A PYRO_* variable the configuration refused at start-up: say which, in one line.
    if (e instanceof RangeError && /PYRO_/.test(e.message)) {
      console.error(`pyro5: error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  await tool.main(rest);
}

if (import.meta.main) await main();
