// A daemon behind NAT: it listens on an internal address, and the URIs it hands out name the
// external address that the router forwards to it (natHost, natPort).
// Run: deno run -A examples/nat/server.ts 5555          (the router's external port)
//      deno run -A examples/nat/router.ts 5555 127.0.0.1:<internal port printed>
//      python examples/nat/client.py PYRO:example.nat@localhost:5555
import { Daemon, expose } from "../../mod.ts";

class Greeter {
  hello(name: string) {
    return `hello ${name}, from a daemon behind NAT`;
  }
}
expose(Greeter);

const natPort = Number(process.argv[2] ?? 5555);
await using daemon = await Daemon.create({
  host: "127.0.0.1",
  port: 0,
  natHost: "localhost",
  natPort,
});
daemon.register(Greeter, "example.nat");
console.log(`external uri = ${daemon.uriFor("example.nat")}`);
console.log(`internal uri = ${daemon.uriFor("example.nat", { nat: false })}`);
console.log(`nat location = ${daemon.natLocationStr}, internal location = ${daemon.locationStr}`);

// natPort 0: a router that passes every port through one-to-one; the daemon's own port is used.
{
  await using same = await Daemon.create({
    host: "127.0.0.1",
    port: 0,
    natHost: "gateway.example.com",
    natPort: 0,
  });
  console.log(`natport 0 gives ${same.register(Greeter, "example.nat")} for ${same.locationStr}`);
}
console.log("Ready.");
await daemon.requestLoop();
