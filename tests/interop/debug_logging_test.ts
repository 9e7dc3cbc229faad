// PYRO_LOGLEVEL=DEBUG logs what Pyro5 logs, under Pyro5's logger names: the client's connects,
// handshakes, metadata and name server location; the daemon's and name server's start-up,
// registrations and client connects and disconnects.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../fixtures/python.ts";
import { runtimeCommand } from "../helpers.ts";

const SCRIPT = `import { Daemon, expose, locateNS, Proxy, startNS } from "MOD";
class Greeter {
  hello(name) {
    return "hello " + name;
  }
}
expose(Greeter);
const ns = await startNS({ host: "127.0.0.1", port: 0, enableBroadcast: false });
const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
const uri = daemon.register(Greeter, "log.greeter");
const nsProxy = await locateNS("127.0.0.1", ns.uri.port);
await nsProxy.register("log.greeter", uri);
await nsProxy._pyroRelease();
const p = new Proxy("PYRONAME:log.greeter@127.0.0.1:" + ns.uri.port);
console.log(await p.hello("log"));
await p._pyroRelease();
await new Promise((r) => setTimeout(r, 100));
await daemon.close();
await ns.close();
`;

describe("debug logging", () => {
  it("logs what Pyro5 logs, with Pyro5's logger names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyro5-log-"));
    try {
      const file = join(dir, "logging.mjs");
      writeFileSync(file, SCRIPT.replace("MOD", pathToFileURL(`${ROOT}mod.ts`).href));
      const [cmd, pre] = runtimeCommand(file);
      const { out, err } = await new Promise<{ out: string; err: string }>((resolve, reject) =>
        execFile(cmd, [...pre, file], {
          timeout: 60000,
          env: { ...process.env, PYRO_LOGLEVEL: "DEBUG", PYRO_LOGFILE: "{stderr}", NO_COLOR: "1" },
        }, (e, out, err) => e ? reject(new Error(`${e.message}\n${err}`)) : resolve({ out, err }))
      );
      assert.equal(out, "hello log\n");
      const expected: Array<[string, RegExp]> = [
        ["Pyro5.naming", /using volatile in-memory dict storage/],
        ["Pyro5.naming", /nameserver daemon created/],
        ["Pyro5.naming", /registered log\.greeter --> PYRO:log\.greeter@127\.0\.0\.1:\d+/],
        ["Pyro5.server", /daemon created on 127\.0\.0\.1:\d+/],
        ["Pyro5.server", /connected 127\.0\.0\.1:\d+/],
        ["Pyro5.server", /disconnected 127\.0\.0\.1:\d+/],
        ["Pyro5.server", /daemon closing/],
        ["Pyro5.core", /resolving PYRONAME:log\.greeter@127\.0\.0\.1:\d+/],
        ["Pyro5.core", /locating the NS: PYRO:Pyro\.NameServer@127\.0\.0\.1:\d+/],
        ["Pyro5.core", /located NS: PYRO:Pyro\.NameServer@127\.0\.0\.1:\d+/],
        ["Pyro5.client", /connecting to PYRO:log\.greeter@127\.0\.0\.1:\d+/],
        ["Pyro5.client", /connected to PYRO:log\.greeter@127\.0\.0\.1:\d+ - unencrypted/],
        ["Pyro5.client", /from meta: methods=hello, oneway methods=, attributes=/],
      ];
      for (const [name, message] of expected) {
        const line = new RegExp(
          `^\\[\\d{4}-\\d\\d-\\d\\d [\\d:.]+,${
            name.replace(".", "\\.")
          },(DEBUG|INFO)\\] ${message.source}`,
          "m",
        );
        assert.match(err, line, `${name}: ${message.source}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
