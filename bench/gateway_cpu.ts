// CPU per request of our HTTP gateway, A/B between source trees: the gateway of each tree given
// (e.g. a snapshot of main and this worktree) is started on the runtime asked for, in front of
// the same Python name server and threaded Python daemon as bench/httpgateway.ts, and loaded by
// 16 clients (bench/http_load.ts) for a fixed window; its utime+stime from /proc/<pid>/stat over
// the window, divided by the requests it served, is the figure. Rounds alternate between the
// trees, so that a noisy neighbour on the machine moves both alike: on a shared 2-core machine
// req/s moves by ±20 % from run to run, CPU per request far less. Linux only (/proc).
// Run: node bench/gateway_cpu.ts [--runtime deno|bun|node] [--seconds 3] [--rounds 3]
//        [--clients 16] [--profile DIR] [--perf FILE] TREE...  (any runtime runs it; TREE: ours)
// --profile DIR: the gateways run with --cpu-prof (Deno, Node); its samples are wall-clock, so a
// gateway preempted in a syscall shows there as time in it. --perf FILE: `perf record -g` over
// the measured window (the JIT's symbols from --perf-basic-prof), true CPU time only.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { PYTHON, ROOT, startChild, stopChildren } from "./_setup.ts";
import { loadRate } from "./http_load.ts";

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    runtime: { type: "string", default: "deno" },
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    clients: { type: "string", default: "16" },
    profile: { type: "string" },
    perf: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const trees = positionals.length > 0 ? positionals : [ROOT];
const BIN = `${ROOT}node_modules/.bin/`;
const TICKS_PER_SECOND = 100; // Linux's USER_HZ, which /proc/<pid>/stat counts in

/** utime and stime of a process (all its threads), in µs. */
function cpuMicros(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const toMicros = (ticks: string) => Number(ticks) * 1e6 / TICKS_PER_SECOND;
  return { user: toMicros(fields[11]), system: toMicros(fields[12]) };
}

function runtimeArgs(runtime: string): string[] {
  const profile = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : [];
  const perf = values.perf ? ["--perf-basic-prof"] : [];
  if (runtime === "deno") return ["run", "-A", ...profile, ...perf.map((f) => `--v8-flags=${f}`)];
  if (runtime === "node") return [...profile, ...perf];
  return [];
}

/** Starts `perf record` on `pid`; stop it with the function returned. */
function perfRecord(pid: number, file: string): () => Promise<void> {
  const perf = spawn("perf", ["record", "-g", "-q", "-p", String(pid), "-o", file], {
    stdio: "ignore",
  });
  return () =>
    new Promise((done) => {
      perf.once("exit", () => done());
      perf.kill("SIGINT");
    });
}

/** Starts a gateway of `tree`; its pid and base URL. */
function startGateway(tree: string, env: Record<string, string>) {
  const runtime = values.runtime!;
  const child = spawn(`${BIN}${runtime}`, [
    ...runtimeArgs(runtime),
    `${tree.replace(/\/?$/, "/")}cli/httpgateway.ts`,
    ...["-H", "127.0.0.1", "-p", "0", "-e", "http\\."],
  ], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  return new Promise<{ pid: number; url: string; stop: () => Promise<void> }>((resolve) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const at = line.indexOf("running on ");
      if (at < 0) return;
      resolve({
        pid: child.pid!,
        url: line.slice(at + 11).trim() + "http.bench/fast",
        stop: () =>
          new Promise((done) => {
            child.once("exit", () => done());
            child.kill("SIGINT"); // a clean exit, so that --cpu-prof writes its profile
          }),
      });
    });
  });
}

try {
  const nsUri = await startChild(PYTHON, [`${ROOT}tests/fixtures/py_nameserver.py`, "0"], "NS ");
  const nsPort = nsUri.slice(nsUri.lastIndexOf(":") + 1);
  const env = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: nsPort };
  await startChild(PYTHON, [`${ROOT}bench/httpgateway_server.py`, "127.0.0.1", nsPort], "URI ");
  const results = new Map<string, number[]>(trees.map((t) => [t, []]));
  console.log(`gateway on ${values.runtime}, ${clients} clients, ${seconds} s per window`);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const tree of trees) {
      const gateway = await startGateway(tree, env);
      await loadRate(gateway.url, clients, 1, '"fast"'); // warm up: JIT, pool, caches
      const stopPerf = values.perf ? perfRecord(gateway.pid, values.perf) : null;
      const before = cpuMicros(gateway.pid);
      const rate = await loadRate(gateway.url, clients, seconds, '"fast"');
      const after = cpuMicros(gateway.pid);
      await stopPerf?.();
      const requests = rate * seconds;
      const user = (after.user - before.user) / requests;
      const system = (after.system - before.system) / requests;
      await gateway.stop();
      results.get(tree)!.push(user + system);
      console.log(
        `${tree}: ${(user + system).toFixed(0)} µs/request (user ${user.toFixed(0)}, system ${
          system.toFixed(0)
        }), ${rate.toFixed(0)} req/s`,
      );
    }
  }
  for (const [tree, figures] of results) {
    const sorted = [...figures].sort((a, b) => a - b);
    console.log(
      `${tree}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} µs/request (${
        figures.map((f) => f.toFixed(0)).join(", ")
      })`,
    );
  }
} finally {
  stopChildren();
}
process.exit(0);
