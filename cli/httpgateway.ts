#!/usr/bin/env node
// Pyro5's HTTP gateway: `python -m Pyro5.utils.httpgateway`, same flags and start-up lines.
// Run: deno run -A cli/httpgateway.ts [-H host] [-p port] [-e expose] [-g gatewaykey] [-c cors]
//      [-t timeout] [--lookup-cache seconds] [--websocket [--allow host:port,...] [--static dir]]
// The name server is found as Pyro finds it: PYRO_NS_HOST, PYRO_NS_PORT, broadcast.
import { parseCommandLine } from "./_argparse.ts";
import { config } from "../config.ts";
import { createGateway, DEFAULT_LOOKUP_CACHE_TTL, type GatewayFile } from "../http/gateway.ts";
import { tlsTransportFromConfig } from "../transport/tls.ts";
import { browserModule, staticFiles } from "./_browser_files.ts";
import { serve } from "../http/serve.ts";
import { exitOnSignals } from "./_signals.ts";

const USAGE =
  `usage: httpgateway [-h] [-H HOST] [-c CORS] [-p PORT] [-e EXPOSE] [-g GATEWAYKEY] [-t TIMEOUT]
                   [--lookup-cache SECONDS] [--websocket] [--allow LOCATIONS] [--static DIR]
                   [--ws-max-connections N] [--ws-max-message BYTES]

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
                        reuse name server lookups and metadata for this long (default=${DEFAULT_LOOKUP_CACHE_TTL}; 0: look
                        up every request, as Python's gateway does)
  --websocket           serve the WebSocket bridge at /pyro/ws and the browser module at /pyro/pyro5.js
  --allow LOCATIONS     daemon locations (host:port,...) the bridge may reach besides exposed names
  --static DIR          serve the files of DIR at /pyro/static/<name>
  --ws-max-connections N
                        WebSockets open per client address (default=16)
  --ws-max-message BYTES
                        the largest WebSocket message a page may send (default=1048576)`;

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
  const lookupCacheTtl = cmd.float("lookup-cache", DEFAULT_LOOKUP_CACHE_TTL);
  const webSocket = cmd.has("websocket");
  const files: Record<string, GatewayFile> = {};
  if (webSocket) {
    files["pyro5.js"] = { body: await browserModule(), type: "text/javascript; charset=utf-8" };
  }
  const folder = cmd.text("static");
  if (folder) Object.assign(files, staticFiles(folder));

  const gateway = createGateway({
    expose,
    gatewayKey: cmd.text("gatewaykey") ?? null,
    cors: cmd.text("cors", "*"),
    timeout,
    lookupCacheTtl,
    // Daemons that speak TLS (SSL=true in the config) are reached over TLS, bridged ones too.
    transport: config.SSL ? await tlsTransportFromConfig(config, "client") : undefined,
    webSocket: webSocket && {
      allow: (cmd.text("allow") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      maxConnectionsPerClient: cmd.int("ws-max-connections", 16),
      maxMessageSize: cmd.int("ws-max-message", 1 << 20),
      onError: (error) => console.error("ERROR in the WebSocket bridge:", error),
    },
    files,
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
  const server = await serve(gateway.fetch, {
    hostname: cmd.text("host", "localhost"),
    port,
    webSocket: gateway.webSocket ?? undefined,
  });
  const shown = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  console.log(`Pyro HTTP gateway running on http://${shown}:${server.port}/pyro/`);
  if (webSocket) {
    console.log(
      `WebSocket bridge on ws://${shown}:${server.port}/pyro/ws, module at /pyro/pyro5.js`,
    );
  }

  exitOnSignals(async () => {
    await server.close();
    await gateway.close();
  });
}

if (import.meta.main) await main();
