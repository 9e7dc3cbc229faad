#!/usr/bin/env node
// The name server tool, with Pyro5's flags and output: `python -m Pyro5.nameserver`.
// Run: deno run -A cli/ns.ts [-n host] [-p port] ...   (or: bun cli/ns.ts / node cli/ns.ts)
import { parseCommandLine } from "./_argparse.ts";
import { startNS } from "../naming.ts";
import { config } from "../config.ts";
import { addressInUseLine, isAddressInUse } from "./_address_in_use.ts";
import { exitOnSignals } from "./_signals.ts";

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

/**
 * Runs the name server tool (`pyro5 ns`, `pyro5-ns`).
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const cmd = parseCommandLine({
    prog: "ns",
    usage: USAGE,
  }, argv);
  const host = cmd.text("host") ?? config.NS_HOST;
  const unixSocket = cmd.text("unixsocket");
  const loopback = host === "localhost" || host.startsWith("127.") || host === "::1";
  const ipv6 = host.includes(":");
  try {
    const ns = await startNS({
      host,
      port: cmd.int("port", config.NS_PORT),
      unixSocket,
      storage: cmd.text("storage"),
      bcHost: cmd.text("bchost"),
      bcPort: cmd.int("bcport", undefined),
      natHost: cmd.text("nathost"),
      natPort: cmd.int("natport", undefined),
      enableBroadcast: !cmd.has("nobc") && !loopback && !ipv6 && !unixSocket,
    });
    // Signal handlers first: a Ctrl-C right after the ready line must still shut down cleanly.
    exitOnSignals(async () => {
      await ns.close();
      console.log("NS shut down.");
    });
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
    if (cmd.text("storage")?.startsWith("sql:")) {
      console.log(`Persistent store contains ${existing} existing registrations.`);
    }
    const hostip = unixSocket ? "Unix domain socket" : bound ?? host;
    console.log(`NS running on ${ns.daemon.locationStr} (${hostip})`);
    if (cmd.text("nathost")) {
      console.log(`internal URI = ${ns.daemon.uriFor("Pyro.NameServer", { nat: false })}`);
      console.log(`external URI = ${ns.uri}`);
    } else console.log(`URI = ${ns.uri}`);
  } catch (e) {
    if (isAddressInUse(e)) {
      const port = cmd.text("port") ?? String(config.NS_PORT);
      const bc = cmd.text("bcport") ?? String(config.NS_BCPORT);
      const broadcast = !(e as Error).message.includes(`:${port}`) &&
        (e as Error).message.includes(bc);
      console.error(addressInUseLine(
        "ns",
        unixSocket
          ? unixSocket
          : `${broadcast ? "UDP port" : "port"} ${broadcast ? bc : port} on ${host}`,
        broadcast
          ? "choose another broadcast port with --bcport PORT, or -x for no broadcast server"
          : unixSocket
          ? "remove the stale socket file or choose another with -u PATH"
          : "choose another port with -p PORT (or -p 0 for a free one)",
      ));
      process.exit(1);
    }
    cmd.fail((e as Error).message);
  }
}

if (import.meta.main) await main();
