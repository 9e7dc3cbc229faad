import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  config,
  configFromEnvironment,
  defaultConfig,
  dumpConfig,
  NON_PYRO5_ITEMS,
  resolveConfig,
} from "../../config.ts";
import { formatRecord, getLogger, LogLevel, type LogRecord, setLogHandler } from "../../logging.ts";
import { pythonPath } from "../fixtures/python.ts";
import { runtimeCommand } from "../helpers.ts";

describe("config", () => {
  it("has every Pyro5 item with Pyro5's default (asked from real Pyro5)", () => {
    const script = "import json,os\n" +
      "for k in list(os.environ):\n  if k.startswith('PYRO_'): del os.environ[k]\n" +
      "from Pyro5 import config\nprint(json.dumps(config.as_dict()))";
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("PYRO_")),
    );
    const python = JSON.parse(
      execFileSync(pythonPath(), ["-c", script], { env, encoding: "utf8" }),
    );
    const ours = defaultConfig() as unknown as Record<string, unknown>;
    for (const k of NON_PYRO5_ITEMS) assert.ok(k in ours && !(k in python), k);
    assert.deepEqual(
      Object.keys(ours).filter((k) => !NON_PYRO5_ITEMS.includes(k)).sort(),
      Object.keys(python).sort(),
    );
    for (const [k, v] of Object.entries(python)) assert.deepEqual(ours[k], v, k);
  });

  it("parses PYRO_* variables as Pyro5 does", () => {
    const c = configFromEnvironment({
      PYRO_COMPRESSION: "On",
      PYRO_NS_PORT: "9999",
      PYRO_COMMTIMEOUT: "2.5",
      PYRO_BROADCAST_ADDRS: "10.0.0.255, 127.255.255.255",
      PYRO_NATHOST: "example.org",
      PYRO_SERIALIZER: "msgpack",
      OTHER: "ignored",
    });
    assert.equal(c.COMPRESSION, true);
    assert.equal(c.NS_PORT, 9999);
    assert.equal(c.COMMTIMEOUT, 2.5);
    assert.deepEqual(c.BROADCAST_ADDRS, ["10.0.0.255", "127.255.255.255"]);
    assert.equal(c.NATHOST, "example.org");
    assert.equal(c.SERIALIZER, "msgpack");
    assert.equal(configFromEnvironment({ PYRO_ITER_STREAMING: "off" }).ITER_STREAMING, false);
  });

  it("names an unknown variable or a bad value", () => {
    assert.throws(
      () => configFromEnvironment({ PYRO_NOPE: "1" }),
      /invalid Pyro environment config variable: PYRO_NOPE/,
    );
    assert.throws(
      () => configFromEnvironment({ PYRO_COMPRESSION: "maybe" }),
      /invalid boolean value: PYRO_COMPRESSION=maybe/,
    );
    assert.throws(
      () => configFromEnvironment({ PYRO_NS_PORT: "90x" }),
      /invalid Pyro environment config value: PYRO_NS_PORT=90x/,
    );
    assert.throws(() => configFromEnvironment({ PYRO_NS_PORT: "2.5" }), /PYRO_NS_PORT=2.5/);
  });

  it("resolves per-object overrides without touching the global config", () => {
    const before = config.SERIALIZER;
    const mine = resolveConfig({ SERIALIZER: "json", COMMTIMEOUT: 1, NATHOST: null });
    assert.equal(mine.SERIALIZER, "json");
    assert.equal(mine.COMMTIMEOUT, 1);
    assert.equal(config.SERIALIZER, before);
    assert.throws(() => resolveConfig({ NOPE: 1 } as never), /unknown Pyro config item: NOPE/);
    assert.throws(
      () => resolveConfig({ NS_PORT: "9090" } as never),
      /NS_PORT must be number, got string/,
    );
    assert.throws(() => resolveConfig({ NS_PORT: 1.5 }), /must be an integer/);
  });

  it("reads the environment of the process at start-up", () => {
    const script = fileURLToPath(new URL("../fixtures/print_config.ts", import.meta.url));
    const [cmd, args] = runtimeCommand(script);
    const out = execFileSync(cmd, args, {
      env: { ...process.env, PYRO_NS_PORT: "4242", PYRO_COMPRESSION: "yes" },
      encoding: "utf8",
    });
    const got = JSON.parse(out);
    assert.equal(got.NS_PORT, 4242);
    assert.equal(got.COMPRESSION, true);
    assert.match(
      dumpConfig(defaultConfig()),
      /^BROADCAST_ADDRS = <broadcast>,0\.0\.0\.0\nCOMMTIMEOUT = 0\n/,
    );
  });
});

describe("logging", () => {
  it("is silent by default and passes records to a user handler", () => {
    const seen: LogRecord[] = [];
    const log = getLogger("Pyro5.core");
    assert.equal(log.isEnabledFor(LogLevel.ERROR), config.LOGLEVEL !== null);
    setLogHandler((r) => seen.push(r), LogLevel.INFO);
    try {
      log.debug("hidden");
      log.info("shown");
      log.error("also shown");
    } finally {
      setLogHandler(null);
    }
    assert.deepEqual(seen.map((r) => [r.name, r.levelName, r.message]), [
      ["Pyro5.core", "INFO", "shown"],
      ["Pyro5.core", "ERROR", "also shown"],
    ]);
    assert.match(
      formatRecord(seen[0]),
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3},Pyro5\.core,INFO\] shown$/,
    );
  });

  it("writes to standard error with PYRO_LOGLEVEL and PYRO_LOGFILE={stderr}, and to a file", () => {
    const script = fileURLToPath(new URL("../fixtures/print_config.ts", import.meta.url));
    const [cmd, args] = runtimeCommand(script);
    const toStderr = spawnSync(cmd, [...args, "log"], {
      env: { ...process.env, PYRO_LOGLEVEL: "INFO", PYRO_LOGFILE: "{stderr}" },
      encoding: "utf8",
    });
    assert.equal(toStderr.status, 0, toStderr.stderr);
    assert.match(toStderr.stderr, /\[[-\d :.]+,Pyro5\.test,INFO\] info line\n/);
    assert.doesNotMatch(toStderr.stderr, /debug line/);
    const dir = mkdtempSync(join(tmpdir(), "pyro5-log-"));
    const file = join(dir, "pyro.log");
    try {
      const toFile = spawnSync(cmd, [...args, "log"], {
        env: { ...process.env, PYRO_LOGLEVEL: "DEBUG", PYRO_LOGFILE: file },
        encoding: "utf8",
      });
      assert.equal(toFile.status, 0, toFile.stderr);
      const text = readFileSync(file, "utf8");
      assert.match(text, /,Pyro5\.test,INFO\] info line\n/);
      assert.match(text, /,Pyro5\.test,DEBUG\] debug line\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
