#!/usr/bin/env node
// The name server tool, with Pyro5's flags and output: `python -m Pyro5.nameserver`.
// Run: deno run -A cli/ns.ts [-n host] [-p port] ...   (or: bun cli/ns.ts / node cli/ns.ts)
import { parseArgs } from "node:util";
import { argparseReason } from "./_argparse.ts";
import { startNS } from "../naming.ts";
import { config } from "../config.ts";
import { addressInUseLine, isAddressInUse } from "./_address_in_use.ts";

const USAGE = `usage: ns [-h] [-n HOST] [-p PORT] [-u UNIXSOCKET] [-s STORAGE] [--bchost BCHOST]
          [--bcport BCPORT] [--nathost NATHOST] [--natport NATPORT] [-x]

Pyro name server (TypeScript)

options:
  -h, --help            show this help message and exit
  -n HOST, --host HOST  hostname to bind server on
  -p PORT, --port PORT  port to bind server on (0=random)
  -u UNIXSOCKET, --unixsocket UNIXSOCKET
                        Unix domain socket name to bind server on
  -s STORAGE, --storage STORAGE
                        Storage system to use (memory, sql:file)
  --bchost BCHOST       hostname to bind broadcast server on (default is "")
  --bcport BCPORT       port to bind broadcast server on (0=random)
  --nathost NATHOST     external hostname in case of NAT
  --natport NATPORT     external port in case of NAT
  -x, --nobc            don't start a broadcast server`;

function fail(reason: string): never {
  // As argparse: the usage lines, then the reason.
  console.error(USAGE.slice(0, USAGE.indexOf("\n\n")));
  console.error(`ns: error: ${reason}`);
  process.exit(2);
}

function int(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) fail(`argument ${name}: invalid int value: '${text}'`);
  return Number(text);
}

/**
 * Runs the name server tool (`pyro5 ns`, `pyro5-ns`).
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" },
        host: { type: "string", short: "n" },
        port: { type: "string", short: "p" },
        unixsocket: { type: "string", short: "u" },
        storage: { type: "string", short: "s" },
        bchost: { type: "string" },
        bcport: { type: "string" },
        nathost: { type: "string" },
        natport: { type: "string" },
        nobc: { type: "boolean", short: "x" },
      },
    });
  } catch (e) {
    fail(argparseReason(e));
  }
  const o = parsed.values;
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const host = o.host ?? config.NS_HOST;
  const loopback = host === "localhost" || host.startsWith("127.") || host === "::1";
  const ipv6 = host.includes(":");
  try {
    const ns = await startNS({
      host,
      port: int("-p/--port", o.port) ?? config.NS_PORT,
      unixsocket: o.unixsocket,
      storage: o.storage,
      bchost: o.bchost,
      bcport: int("--bcport", o.bcport),
      nathost: o.nathost,
      natport: int("--natport", o.natport),
      enableBroadcast: !o.nobc && !loopback && !ipv6 && !o.unixsocket,
    });
    // Signal handlers first: a Ctrl-C right after the ready line must still shut down cleanly.
    const stop = async () => {
      await ns.close();
      console.log("NS shut down.");
      process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    // Pyro5's banner, in its order: what the bound address rules out, whatever the flags say.
    const bound = ns.daemon.boundHost;
    if (bound?.includes(":")) console.log("Not starting broadcast server for IPv6.");
    else if (bound !== null && (bound.startsWith("127.") || bound === "localhost")) {
      console.log("Not starting broadcast server for localhost.");
    }
    if (ns.broadcast) {
      console.log(
        `Broadcast server running on ${ns.broadcast.address.hostname}:${ns.broadcast.address.port}`,
      );
    }
    const existing = ns.nameserver.count() - 1;
    if (o.storage?.startsWith("sql:")) {
      console.log(`Persistent store contains ${existing} existing registrations.`);
    }
    const hostip = o.unixsocket ? "Unix domain socket" : bound ?? host;
    console.log(`NS running on ${ns.daemon.locationStr} (${hostip})`);
    if (o.nathost) {
      console.log(`internal URI = ${ns.daemon.uriFor("Pyro.NameServer", { nat: false })}`);
      console.log(`external URI = ${ns.uri}`);
    } else console.log(`URI = ${ns.uri}`);
  } catch (e) {
    if (isAddressInUse(e)) {
      const port = o.port ?? String(config.NS_PORT);
      const bc = o.bcport ?? String(config.NS_BCPORT);
      const broadcast = !(e as Error).message.includes(`:${port}`) &&
        (e as Error).message.includes(bc);
      console.error(addressInUseLine(
        "ns",
        o.unixsocket
          ? o.unixsocket
          : `${broadcast ? "UDP port" : "port"} ${broadcast ? bc : port} on ${host}`,
        broadcast
          ? "choose another broadcast port with --bcport PORT, or -x for no broadcast server"
          : o.unixsocket
          ? "remove the stale socket file or choose another with -u PATH"
          : "choose another port with -p PORT (or -p 0 for a free one)",
      ));
      process.exit(1);
    }
    fail((e as Error).message);
  }
}

if (import.meta.main) await main();
