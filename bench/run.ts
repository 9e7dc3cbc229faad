// The benchmark command: runs our daemon and Python Pyro5's side by side and prints one table
// with the figures of every pair (TS→TS, TS→Py, Py→TS, Py→Py) and the ratios, medians of
// several interleaved runs, plus raw loopback TCP on this runtime as the ceiling.
// Run: bash tools/bench.sh [deno|bun|node] [--seconds 1] [--runs 3] (installs what it needs first)
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PYTHON = process.env.PYRO5_PYTHON ?? `${ROOT}.venv/bin/python`;
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { seconds: { type: "string", default: "1" }, runs: { type: "string", default: "3" } },
});
const seconds = values.seconds!;
const runs = Number(values.runs);
const g = globalThis as Record<string, unknown>;
const runtime = "Deno" in g ? "deno" : "Bun" in g ? "bun" : "node";
const version = runtime === "deno"
  ? (g.Deno as { version: { deno: string } }).version.deno
  : runtime === "bun"
  ? (g.Bun as { version: string }).version
  : process.version;
const self = (script: string): [string, string[]] =>
  runtime === "deno" ? [process.execPath, ["run", "-A", script]] : [process.execPath, [script]];

function start(
  cmd: string,
  args: string[],
  keyword: string,
): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on(
      "line",
      (l) => l.startsWith(keyword + " ") && resolve({ child, value: l.slice(keyword.length + 1) }),
    );
    child.once("exit", (c) => reject(new Error(`${args.join(" ")} exited ${c}`)));
  });
}

function run(cmd: string, args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) =>
    execFile(
      cmd,
      args,
      { maxBuffer: 1 << 24, timeout: 600000 },
      (e, out, err) =>
        e
          ? reject(new Error(`${args.join(" ")}: ${e.message}\n${err}`))
          : resolve(JSON.parse(out.trim().split("\n").pop()!)),
    )
  );
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${
  Math.round(totalmem() / 2 ** 30)
} GiB`;
const python = execFileSync(PYTHON, [
  "-c",
  "import sys, Pyro5; print('Python', sys.version.split()[0], 'with Pyro5', Pyro5.__version__)",
]).toString().trim();

const pairs = ["ts→ts", "ts→py", "py→ts", "py→py"] as const;
const samples: Record<string, Record<string, number[]>> = { raw: {} };
for (const p of pairs) samples[p] = {};
const add = (pair: string, figures: Record<string, number>) => {
  // A measurement a pair could not make (null in JSON) stays out of its medians.
  for (const [k, v] of Object.entries(figures)) {
    if (typeof v === "number") (samples[pair][k] ??= []).push(v);
  }
};

for (let r = 0; r < runs; r++) {
  const [tcmd, targs] = self(`${ROOT}bench/bench_server.ts`);
  const ts = await start(tcmd, targs, "URI");
  const py = await start(PYTHON, [`${ROOT}bench/bench_server.py`], "URI");
  const [rcmd, rargs] = self(`${ROOT}bench/raw.ts`);
  const raw = await start(rcmd, [...rargs, "server"], "PORT");
  try {
    const [ccmd, cargs] = self(`${ROOT}bench/client.ts`);
    // Interleaved: each pair runs once per round, so all see the same machine state.
    add("raw", await run(rcmd, [...rargs, "client", raw.value, seconds]));
    add("ts→ts", await run(ccmd, [...cargs, ts.value, seconds]));
    add("py→py", await run(PYTHON, [`${ROOT}bench/client.py`, py.value, seconds]));
    add("ts→py", await run(ccmd, [...cargs, py.value, seconds]));
    add("py→ts", await run(PYTHON, [`${ROOT}bench/client.py`, ts.value, seconds]));
    // Name server lookups: each client against each name server.
    const [ncmd, nargs] = self(`${ROOT}bench/ns_server.ts`);
    const tsNs = await start(ncmd, nargs, "NS");
    const pyNs = await start(PYTHON, [`${ROOT}bench/ns_server.py`], "NS");
    try {
      const [lcmd, largs] = self(`${ROOT}bench/ns_lookups.ts`);
      add("ts→ts", await run(lcmd, [...largs, tsNs.value, seconds]));
      add("ts→py", await run(lcmd, [...largs, pyNs.value, seconds]));
      add("py→ts", await run(PYTHON, [`${ROOT}bench/ns_lookups.py`, tsNs.value, seconds]));
      add("py→py", await run(PYTHON, [`${ROOT}bench/ns_lookups.py`, pyNs.value, seconds]));
    } finally {
      tsNs.child.kill("SIGTERM");
      pyNs.child.kill("SIGTERM");
    }
    // 10,000 connected proxies held on our daemon while a new client connects, calls and closes.
    const [hcmd, hargs] = self(`${ROOT}bench/held.ts`);
    add("ts→ts", await run(hcmd, [...hargs, ts.value, "10000"]));
    // The daemons' memory over large transfers, each on a fresh daemon (heap not yet grown).
    const [mcmd, margs] = self(`${ROOT}bench/memory.ts`);
    for (const serializer of ["msgpack", "marshal"]) {
      const freshTs = await start(tcmd, targs, "URI");
      const freshPy = await start(PYTHON, [`${ROOT}bench/bench_server.py`], "URI");
      try {
        add("ts→ts", await run(mcmd, [...margs, freshTs.value, serializer]));
        add("ts→py", await run(mcmd, [...margs, freshPy.value, serializer]));
      } finally {
        freshTs.child.kill("SIGTERM");
        freshPy.child.kill("SIGTERM");
      }
    }
    // Serializer speed: ours on this runtime against Python's, shown in the ts→ts and py→py columns.
    const [scmd, sargs] = self(`${ROOT}bench/serializers.ts`);
    add("ts→ts", await run(scmd, [...sargs, seconds]));
    add("py→py", await run(PYTHON, [`${ROOT}bench/serializers.py`, seconds]));
  } finally {
    for (const s of [ts, py, raw]) s.child.kill("SIGTERM");
  }
  console.error(`round ${r + 1}/${runs} done`);
}

// Idle connections and the bomb, once: 10,000 held on each daemon and on the runtime's floor,
// 60 s of idling each (5 minutes).
{
  const [icmd, iargs] = self(`${ROOT}bench/idle.ts`);
  const idle = await run(icmd, [...iargs, "10000", "60"]);
  const side = (suffix: string) =>
    Object.fromEntries(
      Object.entries(idle).filter(([k]) => k.includes(suffix)).map(([k, v]) => [
        k.replace(suffix, ""),
        v,
      ]),
    );
  add("ts→ts", side("_ts"));
  add("py→py", side("_py"));
  for (const part of ["_floor", "_ours"]) {
    add("ts→ts", Object.fromEntries(Object.entries(side(part)).map(([k, v]) => [k + part, v])));
  }
}

const median = (xs: number[] | undefined) => {
  if (!xs?.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (x: number) =>
  Number.isNaN(x) ? "-" : x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
const keys = [...new Set(pairs.flatMap((p) => Object.keys(samples[p])))];
const table: Record<string, Record<string, number>> = {};
const lines = [
  `| measurement | ${pairs.join(" | ")} | ts→ts / py→py | py→ts / py→py |`,
  `| --- | ${pairs.map(() => "---:").join(" | ")} | ---: | ---: |`,
];
for (const k of keys) {
  const row = Object.fromEntries(pairs.map((p) => [p, median(samples[p][k])]));
  table[k] = row;
  const lower = /_us|_KiB|_MiB/.test(k);
  const ratio = (a: number, b: number) =>
    Number.isNaN(a) || Number.isNaN(b) ? "-" : `${(lower ? b / a : a / b).toFixed(2)}×`;
  lines.push(
    `| ${k} | ${pairs.map((p) => fmt(row[p])).join(" | ")} | ${
      ratio(row["ts→ts"], row["py→py"])
    } | ${ratio(row["py→ts"], row["py→py"])} |`,
  );
}
const rawRow = Object.fromEntries(Object.keys(samples.raw).map((k) => [k, median(samples.raw[k])]));
for (const [k, v] of Object.entries(rawRow)) {
  lines.push(`| ${k} (${runtime}, no Pyro) | ${fmt(v)} | | | | | |`);
}
const seqShare = ["serpent", "json", "marshal", "msgpack"].map((s) =>
  `${s} ${(100 * table[`seq_${s}`]["ts→ts"] / rawRow.raw_pingpong).toFixed(0)}%`
);
lines.push("", `ts→ts sequential calls as a share of raw ping-pong: ${seqShare.join(", ")}`);
console.log(
  `Benchmarks on ${runtime} ${version} against ${python} (${
    new Date().toISOString()
  }), ${machine}, loopback; ${runs} rounds of ${seconds}s, medians; higher is better except latencies (µs).\n`,
);
console.log(lines.join("\n"));
mkdirSync(`${ROOT}bench/results`, { recursive: true });
const result = {
  date: new Date().toISOString(),
  runtime,
  version,
  python,
  machine,
  seconds,
  runs,
  table,
  raw: rawRow,
};
writeFileSync(`${ROOT}bench/results/latest-${runtime}.json`, JSON.stringify(result, null, 2));
process.exit(0);
