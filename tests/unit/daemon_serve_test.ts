// daemon.serve(connection): a connection accepted by someone else (a gateway, a bridge, a
// listener of its own) gets the whole session: handshake, calls, MAX_CONNECTIONS, cleanup.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Proxy } from "../../client.ts";
import { type ClientConnection, Daemon, DAEMON_NAME, expose } from "../../server.ts";
import { CommunicationError } from "../../errors.ts";
import { memoryPair, memoryTransport } from "../../transport/mod.ts";
import { defaultTransport } from "../../transport/select.ts";
import type { Connection, Transport } from "../../transport/types.ts";

/** A transport whose one connection is the one given. */
function handing(connection: Connection): Transport {
  return { name: "handed", connect: () => Promise.resolve(connection) };
}

class Greeter {
  hello(name: string) {
    return `hello ${name}`;
  }
}
expose(Greeter);

class Watching extends Daemon {
  handshakes: unknown[] = [];
  disconnected = 0;
  override validateHandshake(_conn: ClientConnection, data: unknown): unknown {
    this.handshakes.push(data);
    return "welcome";
  }
  override clientDisconnect(): void {
    this.disconnected++;
  }
}

describe("daemon.serve(connection)", () => {
  it("serves a memory connection with the full handshake, and resolves when it ends", async () => {
    await using daemon = await Watching.create({ transport: memoryTransport() });
    const uri = daemon.register(Greeter, "greeter");
    const [clientSide, serverSide] = memoryPair();
    const served = daemon.serve(serverSide);
    const proxy = new Proxy(uri, { transport: handing(clientSide), handshake: { who: "test" } });
    assert.equal(await proxy.hello("you"), "hello you");
    assert.deepEqual([...proxy._pyroMethods], ["hello"]); // metadata came with CONNECTOK
    assert.deepEqual(daemon.handshakes, [{ who: "test" }]);
    await proxy._pyroRelease();
    await served;
    assert.equal(daemon.disconnected, 1);
  });

  it("serves a TCP connection that a listener of its own accepted", async () => {
    await using daemon = await Daemon.create({ transport: memoryTransport() });
    daemon.register(Greeter, "greeter");
    const tcp = await defaultTransport();
    const listener = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const address = listener.address as { hostname: string; port: number };
      const accepting = listener.accept();
      const proxy = new Proxy(`PYRO:greeter@127.0.0.1:${address.port}`, { transport: tcp });
      const bound = proxy._pyroBind();
      const served = daemon.serve((await accepting)!);
      await bound;
      assert.equal(await proxy.hello("tcp"), "hello tcp");
      await proxy._pyroRelease();
      await served;
    } finally {
      await listener.close();
    }
  });

  it("refuses a connection over MAX_CONNECTIONS with CONNECTFAIL", async () => {
    await using daemon = await Daemon.create({
      transport: memoryTransport(),
      config: { MAX_CONNECTIONS: 1 },
    });
    const uri = daemon.register(Greeter, "greeter");
    const [a, b] = memoryPair();
    const first = daemon.serve(b);
    await using one = new Proxy(uri, { transport: handing(a) });
    assert.equal(await one.hello("1"), "hello 1");
    const [c, d] = memoryPair();
    const refused = daemon.serve(d);
    const two = new Proxy(uri, { transport: handing(c) });
    await assert.rejects(
      two._pyroBind(),
      (e: Error) => e instanceof CommunicationError && /too many connections/.test(e.message),
    );
    await refused;
    await one._pyroRelease();
    await first;
  });

  it("ends its sessions when the daemon closes, and closes what it gets after", async () => {
    const daemon = await Daemon.create({ transport: memoryTransport() });
    const [a, b] = memoryPair();
    const served = daemon.serve(b);
    const proxy = new Proxy(daemon.uriFor(DAEMON_NAME), { transport: handing(a) });
    assert.equal(await proxy.ping(), null);
    await daemon.close();
    await served;
    const [, late] = memoryPair();
    await daemon.serve(late);
    await late.closed;
    await proxy._pyroRelease();
  });
});

describe("Pyro.Daemon info()", () => {
  it("reads as Python's, NAT and the server type included", async () => {
    const transport = memoryTransport();
    await using daemon = await Daemon.create({
      host: "127.0.0.1",
      port: 9000,
      natHost: "example.org",
      natPort: 5555,
      transport,
    });
    daemon.register(Greeter, "greeter");
    await using proxy = new Proxy(daemon.uriFor(DAEMON_NAME, { nat: false }), { transport });
    assert.equal(
      await proxy.info(),
      "Pyro.Daemon bound on 127.0.0.1:9000, NAT example.org:5555, 2 objects registered. " +
        "Servertype: <AsyncServer on 127.0.0.1:9000; memory transport>",
    );
  });
});
