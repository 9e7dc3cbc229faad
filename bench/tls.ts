// The TLS benchmark: our daemon and Python Pyro5's over TLS (one-way, msgpack), driven by our
// client and Python's, beside our own plain-TCP figures, in one run; medians of interleaved
// rounds, and raw loopback ping-pong and 10 MB replies on this runtime (bench/raw.ts: no Pyro),
// over plain TCP and through our TLS transport: the ceilings of any call here. Certificates are made with openssl in a temporary folder.
// Run: deno run -A bench/tls.ts [--seconds 1] [--runs 3]   (or bun / node; after tools/setup.sh)
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { makeCertificates } from "../tests/fixtures/certificates.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PYTHON = process.env.PYRO5_PYTHON ?? `${ROOT}.venv/bin/python`;
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { seconds: { type: "string", default: "1" }, runs: { type: "string", default: "3" } },
});
const g = globalThis as Record<string, unknown>;
const self = (script: string): [string, string[]] =>
  "Deno" in g ? [process.execPath, ["run", "-A", script]] : [process.execPath, [script]];

const dir = mkdtempSync(join(tmpdir(), "pyro5-tls-bench-"));
const file = (name: string) => join(dir, name);
makeCertificates(dir);

const serverEnv = {
  PYRO_SSL: "true",
  PYRO_SSL_SERVERCERT: file("server.crt"),
  PYRO_SSL_SERVERKEY: file("server.key"),
};
const clientEnv = { PYRO_SSL: "true", PYRO_SSL_CACERTS: file("ca.crt") };

function start(cmd: string, args: string[], env: Record<string, string>) {
  const child = spawn(cmd, args, {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  return new Promise<{ child: ChildProcess; uri: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      if (l.startsWith("URI ")) resolve({ child, uri: l.slice(4).trim() });
    });
    child.once("exit", (c) => reject(new Error(`${args.join(" ")} exited ${c}`)));
  });
}

function client(cmd: string, args: string[], env: Record<string, string>) {
  return new Promise<Record<string, number>>((resolve, reject) =>
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: 300000 },
      (e, out, err) =>
        e ? reject(new Error(`${e.message}\n${err}`)) : resolve(JSON.parse(out.trim())),
    )
  );
}

const [tsCmd, tsPre] = self(`${ROOT}bench/bench_server.ts`);
const servers = {
  tsTls: await start(tsCmd, tsPre, serverEnv),
  tsPlain: await start(tsCmd, tsPre, {}),
  pyTls: await start(PYTHON, [`${ROOT}bench/bench_server.py`], serverEnv),
};
const [rawCmd, rawPre] = self(`${ROOT}bench/raw.ts`);
function startRaw(env: Record<string, string>): Promise<{ child: ChildProcess; port: string }> {
  const child = spawn(rawCmd, [...rawPre, "server"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve) =>
    createInterface({ input: child.stdout! }).on("line", (l) => {
      if (l.startsWith("PORT ")) resolve({ child, port: l.slice(5).trim() });
    })
  );
}
const rawServer = await startRaw({});
const rawTlsServer = await startRaw({
  RAW_TLS_CERT: file("server.crt"),
  RAW_TLS_KEY: file("server.key"),
});
const rawTlsEnv = { RAW_TLS_CA: file("ca.crt") };
const [tcCmd, tcPre] = self(`${ROOT}bench/tls_client.ts`);
const pairs: Array<[string, () => Promise<Record<string, number>>]> = [
  ["ts→ts TLS", () => client(tcCmd, [...tcPre, servers.tsTls.uri, values.seconds!], clientEnv)],
  ["ts→ts plain", () => client(tcCmd, [...tcPre, servers.tsPlain.uri, values.seconds!], {})],
  ["ts→py TLS", () => client(tcCmd, [...tcPre, servers.pyTls.uri, values.seconds!], clientEnv)],
  ["raw TCP", () => client(rawCmd, [...rawPre, "client", rawServer.port, values.seconds!], {})],
  [
    "raw TLS",
    () => client(rawCmd, [...rawPre, "client", rawTlsServer.port, values.seconds!], rawTlsEnv),
  ],
  [
    "py→ts TLS",
    () =>
      client(PYTHON, [`${ROOT}bench/tls_client.py`, servers.tsTls.uri, values.seconds!], clientEnv),
  ],
  [
    "py→py TLS",
    () =>
      client(PYTHON, [`${ROOT}bench/tls_client.py`, servers.pyTls.uri, values.seconds!], clientEnv),
  ],
];
const results = new Map<string, Array<Record<string, number>>>();
try {
  for (let round = 0; round < Number(values.runs); round++) {
    for (const [name, run] of pairs) {
      if (!results.has(name)) results.set(name, []);
      results.get(name)!.push(await run());
    }
  }
} finally {
  for (const s of Object.values(servers)) s.child.kill();
  rawServer.child.kill();
  rawTlsServer.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const metrics = [
  ["seq_calls", "sequential calls/s, msgpack"],
  ["raw_pingpong", "raw ping-pong (no Pyro), round trips/s"],
  ["pipe_calls", "64 calls in flight, calls/s"],
  ["blob10mb_MBps", "10 MB results, MB/s"],
  ["raw_10MB_fresh_reply_MBps", "raw 10 MB replies (no Pyro), MB/s"],
  ["connect_ms", "new connection + first call, ms"],
] as const;
const fmt = (v: number | undefined) =>
  v === undefined ? "" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2);
const names = [...results.keys()];
const rows = [["measurement", ...names]];
const figures: Record<string, Record<string, number>> = {};
for (const [key, label] of metrics) {
  const row: string[] = [label];
  for (const name of names) {
    const xs = results.get(name)!.map((r) => r[key]).filter((x) => x !== undefined);
    const m = xs.length ? median(xs) : undefined;
    if (m !== undefined) (figures[name] ??= {})[key] = m;
    row.push(fmt(m));
  }
  rows.push(row);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join(" | "));
const ratio = (a: string, b: string, key: string) =>
  (figures[a]?.[key] ?? NaN) / (figures[b]?.[key] ?? NaN);
console.log(
  `\nour TLS daemon vs Python's (py client): ${
    ratio("py→ts TLS", "py→py TLS", "seq_calls").toFixed(2)
  }x;` +
    ` ts→ts TLS vs py→py TLS: ${ratio("ts→ts TLS", "py→py TLS", "seq_calls").toFixed(2)}x;` +
    ` raw ping-pong vs py→py TLS: ${
      ((figures["raw TCP"]?.raw_pingpong ?? NaN) / (figures["py→py TLS"]?.seq_calls ?? NaN))
        .toFixed(2)
    }x, raw TLS ping-pong vs py→py TLS: ${
      ((figures["raw TLS"]?.raw_pingpong ?? NaN) / (figures["py→py TLS"]?.seq_calls ?? NaN))
        .toFixed(2)
    }x (ceilings for the first two);` +
    ` TLS vs our plain TCP: sequential ${
      (100 * (1 - ratio("ts→ts TLS", "ts→ts plain", "seq_calls"))).toFixed(0)
    } % lower,` +
    ` pipelined ${
      (100 * (1 - ratio("ts→ts TLS", "ts→ts plain", "pipe_calls"))).toFixed(0)
    } % lower`,
);
