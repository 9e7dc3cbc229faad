// The bridge in front of a TLS daemon: the page's side stays a plain WebSocket, and the bridge
// reaches Python Pyro5's TLS daemon (two-way, with a client certificate) through the TLS
// transport the gateway is given, as `httpgateway --websocket` does when SSL is configured.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Proxy } from "../../client.ts";
import { resolveConfig } from "../../config.ts";
import { createWebSocketBridge } from "../../http/ws_bridge.ts";
import { tlsTransportFromConfig } from "../../transport/tls.ts";
import { webSocketTransport } from "../../transport/websocket.ts";
import { type PythonServer, startPythonServer } from "../fixtures/python.ts";
import { makeCertificates } from "../fixtures/certificates.ts";
import { serveBridge } from "../fixtures/bridge_server.ts";

describe("the WebSocket bridge to a TLS daemon", () => {
  const dir = mkdtempSync(join(tmpdir(), "pyro5-ws-tls-"));
  const file = (name: string) => join(dir, name);
  let daemon: PythonServer;

  before(async () => {
    makeCertificates(dir);
    daemon = await startPythonServer("py_tls.py", ["serve"], "URI", {
      PYRO_SSL: "true",
      PYRO_SSL_SERVERCERT: file("server.crt"),
      PYRO_SSL_SERVERKEY: file("server.key"),
      PYRO_SSL_CACERTS: file("ca.crt"),
      PYRO_SSL_REQUIRECLIENTCERT: "true",
    });
  });
  after(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("forwards a page's calls over TLS, with the bridge's client certificate", async () => {
    const uri = daemon.announced;
    // As the gateway command makes it from its config (SSL=true and the SSL_* items).
    const transport = await tlsTransportFromConfig(
      resolveConfig({
        SSL: true,
        SSL_CACERTS: file("ca.crt"),
        SSL_CLIENTCERT: file("client.crt"),
        SSL_CLIENTKEY: file("client_protected.key"),
        SSL_CLIENTKEYPASSWD: "s3cret",
      }),
      "client",
    );
    const bridge = createWebSocketBridge({ allow: [uri.slice(uri.indexOf("@") + 1)], transport });
    const { server, url } = await serveBridge(bridge);
    try {
      const ws = webSocketTransport(url);
      await using p = new Proxy(uri, { transport: ws });
      assert.equal(await p.echo("through the bridge"), "through the bridge");
      // The daemon saw the bridge's certificate: the TLS connection is the bridge's own.
      assert.deepEqual(await p.peer(), {
        commonName: "client one",
        organizationName: "Pyro5 tests",
      });
    } finally {
      await server.close();
      await bridge.close();
    }
  });
});
