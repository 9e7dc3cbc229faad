#!/usr/bin/env node
// Pyro5's HTTP gateway: `python -m Pyro5.utils.httpgateway`, same flags and start-up lines.
// Run: deno run -A cli/httpgateway.ts [-H host] [-p port] [-e expose] [-g gatewaykey] [-c cors]
//      [-t timeout] [--lookup-cache seconds]
// The name server is found as Pyro finds it: PYRO_NS_HOST, PYRO_NS_PORT, broadcast.
import { parseCommandLine } from "./_argparse.ts";
import { config } from "../config.ts";
import { createGateway } from "../http/gateway.ts";
import { serve } from "../http/serve.ts";
import { exitOnSignals } from "./_signals.ts";

const USAGE =
  `usage: httpgateway [-h] [-H HOST] [-c CORS] [-p PORT] [-e EXPOSE] [-g GATEWAYKEY] [-t TIMEOUT]
                   [--lookup-cache SECONDS]

Pyro http gateway command line launcher.

options:
  -h, --help            show this help message and exit
  -H, --host HOST       hostname to bind server on (default=localhost)
  -c, --cors CORS       Allow cross origin domain/url (default=*)
  -p, --port PORT       port to bind server on (default=8080)
  -e, --expose EXPOSE   a regex of object names to expose (default=http\\.)
  -g, --gatewaykey GATEWAYKEY
                        the api key to use to connect to the gateway itself
  -t, --timeout TIMEOUT
                        Pyro timeout value to use (COMMTIMEOUT setting, default=${
    config.COMMTIMEOUT.toFixed(6)
  })
  --lookup-cache SECONDS
                        reuse name server lookups and metadata for this long (default=0: not cached)`;

/**
 * Runs the HTTP gateway tool (`pyro5 httpgateway`, `pyro5-httpgateway`).
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const cmd = parseCommandLine({
    prog: "httpgateway",
    usage: USAGE,
  }, argv);
  const expose = cmd.text("expose", "http\\.");
  const port = cmd.int("port", 8080);
  const timeout = cmd.float("timeout", config.COMMTIMEOUT);
  const lookupCacheTtl = cmd.float("lookup-cache", 0);

  const gateway = createGateway({
    expose,
    gatewayKey: cmd.text("gatewaykey") ?? null,
    cors: cmd.text("cors", "*"),
    timeout,
    lookupCacheTtl,
    onError(error, request) {
      const url = new URL(request.url);
      console.error(`ERROR handling ${url.pathname}${url.search}:`);
      console.error(error);
    },
  });
  if (expose) {
    console.log("Exposing objects with names matching: ", expose);
  } else console.log("Warning: exposing all objects (no expose regex set)");
  try {
    console.log("Connected to name server at: ", String(await gateway.locateNameServer()));
  } catch {
    console.log("Not yet connected to a name server.");
  }
  const server = await serve(gateway.fetch, { hostname: cmd.text("host", "localhost"), port });
  const shown = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  console.log(`Pyro HTTP gateway running on http://${shown}:${server.port}/pyro/`);

  exitOnSignals(async () => {
    await server.close();
    await gateway.close();
  });
}

if (import.meta.main) await main();
