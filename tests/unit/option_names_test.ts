// Options in camelCase (unixSocket, natHost, natPort, bcHost, bcPort), with Pyro5's spelling
// (unixsocket, nathost, natport, bchost, bcport) accepted as well.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Daemon } from "../../server.ts";
import { startNS } from "../../naming.ts";
import { memoryTransport } from "../../transport/mod.ts";
import { freePort } from "../helpers.ts";

describe("option names", () => {
  it("takes unixSocket or Pyro5's unixsocket", async () => {
    const transport = memoryTransport();
    await using camel = await Daemon.create({ transport, unixSocket: "opt-camel" });
    await using pyro5 = await Daemon.create({ transport, unixsocket: "opt-pyro5" });
    assert.equal(camel.locationStr, "./u:opt-camel");
    assert.equal(pyro5.locationStr, "./u:opt-pyro5");
  });

  it("takes natHost/natPort or Pyro5's nathost/natport", async () => {
    const transport = memoryTransport();
    await using camel = await Daemon.create({ transport, natHost: "a.example", natPort: 1 });
    await using pyro5 = await Daemon.create({ transport, nathost: "b.example", natport: 2 });
    assert.equal(camel.natLocationStr, "a.example:1");
    assert.equal(pyro5.natLocationStr, "b.example:2");
    assert.equal(String(camel.register({}, "x")), "PYRO:x@a.example:1");
  });

  it("refuses one option given twice, spelled two ways, with different values", () => {
    assert.throws(
      () => new Daemon({ transport: memoryTransport(), natHost: "a", nathost: "b" }),
      (e: Error) => e instanceof TypeError && /natHost and nathost/.test(e.message),
    );
    // The same value twice is no conflict.
    const same = new Daemon({ transport: memoryTransport(), natPort: 3, natport: 3 });
    assert.equal(same.natLocationStr, null); // no NAT host: no NAT location
    return same.close();
  });

  for (const spelling of ["camelCase", "Pyro5"] as const) {
    it(`starts the broadcast responder where bcHost/bcPort say (${spelling} spelling)`, async () => {
      const port = await freePort();
      const where = spelling === "camelCase"
        ? { bcHost: "127.0.0.1", bcPort: port }
        : { bchost: "127.0.0.1", bcport: port };
      await using ns = await startNS({
        host: "127.0.0.1",
        port: 0,
        enableBroadcast: true,
        ...where,
      });
      assert.deepEqual(ns.broadcast?.address, { hostname: "127.0.0.1", port });
    });
  }
});
