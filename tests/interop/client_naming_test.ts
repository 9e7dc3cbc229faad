// PYRONAME and PYROMETA through a real Python name server, SerializedBlob, and
// connected-socket mode against a real Python daemon.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Proxy, SerializedBlob } from "../../client.ts";
import { NamingError } from "../../errors.ts";
import { URI } from "../../uri.ts";
import { defaultTransport } from "../../transport/mod.ts";
import { withPythonServer } from "../fixtures/python.ts";
import { socketPath } from "../helpers.ts";

describe("Proxy with a Python name server", () => {
  it("resolves PYRONAME and PYROMETA URIs, and reports unknown names", async () => {
    await withPythonServer("ns_daemon.py", [], "NS", async (ns) => {
      const nsUri = new URI(ns.announced);
      const at = `@${nsUri.host}:${nsUri.port}`;
      await using byName = new Proxy(`PYRONAME:test.service${at}`);
      assert.equal(await byName.echo("found by name"), "found by name");
      assert.equal(String(byName._pyroUri), `PYRONAME:test.service${at}`);
      await using byMeta = new Proxy(`PYROMETA:tag:a${at}`);
      assert.equal(await byMeta.echo("found by metadata"), "found by metadata");
      await using viaConfig = new Proxy("PYRONAME:test.service", {
        config: { NS_HOST: nsUri.host!, NS_PORT: nsUri.port! },
      });
      assert.equal(await viaConfig.add(2, 3), 5);
      await using missing = new Proxy(`PYRONAME:no.such.name${at}`);
      await assert.rejects(
        missing.echo(1),
        (e: Error) => e instanceof NamingError && /unknown name: no.such.name/.test(e.message),
      );
      await using noMeta = new Proxy(`PYROMETA:tag:none${at}`);
      await assert.rejects(
        noMeta.echo(1),
        (e: Error) => e instanceof NamingError && /no registrations available/.test(e.message),
      );
      const nsProxy = new Proxy(ns.announced);
      const looked = await nsProxy.lookup("test.service");
      assert.ok(looked instanceof URI, "name server lookups come back as URIs");
      await nsProxy._pyroRelease();
    });
  });

  it("reports an unreachable name server", async () => {
    await using p = new Proxy("PYRONAME:x@127.0.0.1:1");
    await assert.rejects(
      p.echo(1),
      (e: Error) =>
        e instanceof NamingError &&
        /Failed to locate the nameserver at 127\.0\.0\.1:1/.test(e.message),
    );
  });
});

describe("Proxy with special Python daemons", () => {
  it("sends a SerializedBlob the daemon keeps serialized", async () => {
    await withPythonServer("test_daemon.py", [], async (server) => {
      // Not json: Pyro5's own SerializedBlob.deserialized() unpacks a json call object by its keys.
      for (const serializer of ["serpent", "marshal", "msgpack"] as const) {
        await using p = new Proxy(server.announced, { serializer });
        assert.deepEqual(await p.process_blob(new SerializedBlob("topic-1", ["payload", 42])), [
          "topic-1",
          ["payload", 42],
        ], serializer);
      }
    });
  });

  it("talks to a Python connected_socket daemon over an existing stream, without a handshake", async () => {
    const path = socketPath("connected");
    await withPythonServer("ns_daemon.py", ["--connected", path], "READY", async () => {
      const transport = await defaultTransport();
      const stream = await transport.connect({ path });
      await using p = new Proxy("test.service", { connectedSocket: stream });
      assert.equal(await p.echo("over a connected socket"), "over a connected socket");
      assert.equal(await p.value, 7);
    });
  });
});
