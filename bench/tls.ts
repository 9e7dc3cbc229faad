// The TLS benchmark: our daemon and Python Pyro5's over TLS (one-way, msgpack), driven by our
// client and Python's, beside our own plain-TCP figures, in one run; medians of interleaved
// rounds, and raw loopback ping-pong and 10 MB replies on this runtime (bench/raw.ts: no Pyro),
// over plain TCP and through our TLS transport: the ceilings of any call here. Certificates are
// made with openssl in a temporary folder.
//
// Sequential calls are measured twice. As the scheduler places them, client and server mostly
// run on different CPUs, and then each call waits for the kernel to wake the other side's CPU:
// on this 2-CPU VM that wake costs more than either side's work (Python's blocking sockets, no
// TLS, no Pyro: 12.5-20.7k round trips/s across CPUs and 72-142k on one CPU over two days; column
// "machine", from raw_pingpong.py). So the same clients also run with every process on CPU 0
// (taskset, Linux): there a call costs what the two sides' work costs, which is what the software
// decides.
// Run: deno run -A bench/tls.ts [--seconds 1] [--runs 3]   (or bun / node; after tools/setup.sh)
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
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

/** `taskset -c 0`, to run a command on CPU 0 alone; null where there is no taskset. */
const ONE_CPU = (() => {
  try {
    execFileSync("taskset", ["-c", "0", "true"]);
    return ["taskset", "-c", "0"];
  } catch {
    return null;
  }
})();
/** The command and arguments that run `cmd args` on CPU 0 alone. */
const onOneCpu = (
  cmd: string,
  args: string[],
): [string, string[]] => [ONE_CPU![0], [...ONE_CPU!.slice(1), cmd, ...args]];

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
// The same servers on CPU 0, idle until the clients on CPU 0 call them.
const pinned = ONE_CPU && {
  tsTls: await start(...onOneCpu(tsCmd, tsPre), serverEnv),
  tsPlain: await start(...onOneCpu(tsCmd, tsPre), {}),
  pyTls: await start(...onOneCpu(PYTHON, [`${ROOT}bench/bench_server.py`]), serverEnv),
};
const [rawCmd, rawPre] = self(`${ROOT}bench/raw.ts`);
function startRaw(
  env: Record<string, string>,
  [cmd, args]: [string, string[]] = [rawCmd, [...rawPre, "server"]],
): Promise<{ child: ChildProcess; port: string }> {
  const child = spawn(cmd, args, {
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
const machineScript = `${ROOT}bench/raw_pingpong.py`;
const machine = await startRaw({}, [PYTHON, [machineScript, "server"]]);
const pinnedMachine = ONE_CPU && await startRaw({}, onOneCpu(PYTHON, [machineScript, "server"]));
const machineClient = (port: string) => [machineScript, "client", port, values.seconds!];
const [tcCmd, tcPre] = self(`${ROOT}bench/tls_client.ts`);
const pyClient = `${ROOT}bench/tls_client.py`;
/** A client's figures, their names marked as measured on one CPU. */
const onOne = (figures: Record<string, number>) =>
  Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${k}_1cpu`, v]));
const pairs: Array<[string, () => Promise<Record<string, number>>]> = [
  ["ts→ts TLS", () => client(tcCmd, [...tcPre, servers.tsTls.uri, values.seconds!], clientEnv)],
  ["ts→ts plain", () => client(tcCmd, [...tcPre, servers.tsPlain.uri, values.seconds!], {})],
  ["ts→py TLS", () => client(tcCmd, [...tcPre, servers.pyTls.uri, values.seconds!], clientEnv)],
  ["raw TCP", () => client(rawCmd, [...rawPre, "client", rawServer.port, values.seconds!], {})],
  [
    "raw TLS",
    () => client(rawCmd, [...rawPre, "client", rawTlsServer.port, values.seconds!], rawTlsEnv),
  ],
  ["py→ts TLS", () => client(PYTHON, [pyClient, servers.tsTls.uri, values.seconds!], clientEnv)],
  ["py→py TLS", () => client(PYTHON, [pyClient, servers.pyTls.uri, values.seconds!], clientEnv)],
  ["machine", () => client(PYTHON, machineClient(machine.port), {})],
];
if (pinned && pinnedMachine) {
  const seq = (uri: string) => [uri, values.seconds!, "sequential"];
  const ts = (uri: string) => onOneCpu(tcCmd, [...tcPre, ...seq(uri)]);
  const py = (uri: string) => onOneCpu(PYTHON, [pyClient, ...seq(uri)]);
  pairs.push(
    ["ts→ts TLS", () => client(...ts(pinned.tsTls.uri), clientEnv).then(onOne)],
    ["ts→ts plain", () => client(...ts(pinned.tsPlain.uri), {}).then(onOne)],
    ["ts→py TLS", () => client(...ts(pinned.pyTls.uri), clientEnv).then(onOne)],
    ["py→ts TLS", () => client(...py(pinned.tsTls.uri), clientEnv).then(onOne)],
    ["py→py TLS", () => client(...py(pinned.pyTls.uri), clientEnv).then(onOne)],
    [
      "machine",
      () => client(...onOneCpu(PYTHON, machineClient(pinnedMachine.port)), {}).then(onOne),
    ],
  );
}
const results = new Map<string, Array<Record<string, number>>>();
try {
  for (let round = 0; round < Number(values.runs); round++) {
    for (const [name, run] of pairs) {
      if (!results.has(name)) results.set(name, []);
      results.get(name)!.push(await run());
    }
  }
} finally {
  for (const s of [...Object.values(servers), ...Object.values(pinned || {})]) s.child.kill();
  for (const s of [rawServer, rawTlsServer, machine, pinnedMachine]) s && s.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const metrics = [
  ["seq_calls", "sequential calls/s, msgpack"],
  ["raw_pingpong", "raw ping-pong (no Pyro), round trips/s"],
  ["seq_calls_1cpu", "sequential calls/s, all on CPU 0"],
  ["raw_pingpong_1cpu", "raw ping-pong, all on CPU 0"],
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
const ratio = (a: string, b: string, key: string, keyB = key) =>
  (figures[a]?.[key] ?? NaN) / (figures[b]?.[keyB] ?? NaN);
const x = (v: number) => `${v.toFixed(2)}x`;
const lower = (a: string, b: string, key: string) =>
  `${(100 * (1 - ratio(a, b, key))).toFixed(0)} % lower`;
const sequentialOn = (key: string) =>
  `our TLS daemon vs Python's (py client) ${x(ratio("py→ts TLS", "py→py TLS", key))},` +
  ` ts→ts TLS vs py→py TLS ${x(ratio("ts→ts TLS", "py→py TLS", key))}`;
console.log(
  `\nsequential, as scheduled: ${sequentialOn("seq_calls")}; ceilings: raw ping-pong` +
    ` ${x(ratio("raw TCP", "py→py TLS", "raw_pingpong", "seq_calls"))}, raw TLS ping-pong` +
    ` ${x(ratio("raw TLS", "py→py TLS", "raw_pingpong", "seq_calls"))}, the machine's` +
    ` ${x(ratio("machine", "py→py TLS", "raw_pingpong", "seq_calls"))}`,
);
if (ONE_CPU) {
  console.log(
    `sequential, all on CPU 0: ${sequentialOn("seq_calls_1cpu")}; TLS vs our plain TCP` +
      ` ${lower("ts→ts TLS", "ts→ts plain", "seq_calls_1cpu")}`,
  );
} else console.log("sequential on one CPU: not measured (no taskset here)");
console.log(
  `TLS vs our plain TCP: sequential ${lower("ts→ts TLS", "ts→ts plain", "seq_calls")},` +
    ` pipelined ${lower("ts→ts TLS", "ts→ts plain", "pipe_calls")},` +
    ` 10 MB ${lower("ts→ts TLS", "ts→ts plain", "blob10mb_MBps")}`,
);
