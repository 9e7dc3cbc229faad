// The HTTP gateway benchmark: requests per second through our gateway and through Python
// Pyro5's, in one run, in front of the same Python name server and the same daemon (a threaded
// Python one, then one of ours: the Python daemon's own CPU per request is as much as our
// gateway's, and on two cores it bounds what any gateway before it can show): 1 client and 16
// concurrent clients (HTTP/1.1 keep-alive; Python's gateway answers
// HTTP/1.0 and closes every connection), and how much a 2-second call in flight adds to the
// latency of a fast call. The load comes from `wrk` when it is installed (bench/wrk_load.ts),
// else from bench/http_load.ts (plain sockets, not fetch: see there why), which also checks every
// answer of the warm-up; the latencies are timed with fetch.
// Run: deno run -A bench/httpgateway.ts [--seconds 3] [--load wrk|node] [--daemon python|ours|both]
// (or bun, node; deno task bench-httpgateway)
import {
  PYTHON,
  ROOT,
  RUNTIME as runtime,
  secondsOption,
  startChild as start,
  stopChildren,
} from "./_setup.ts";
import { loadRate } from "./http_load.ts";
import { haveWrk, wrkRate } from "./wrk_load.ts";

const seconds = secondsOption();
const loadAt = process.argv.indexOf("--load");
const load = loadAt > 0 ? process.argv[loadAt + 1] : haveWrk() ? "wrk" : "node";
const daemonAt = process.argv.indexOf("--daemon");
const daemonChoice = daemonAt > 0 ? process.argv[daemonAt + 1] : "both";

function rate(url: string, clients: number): Promise<number> {
  return load === "wrk"
    ? wrkRate(url, clients, seconds)
    : loadRate(url, clients, seconds, '"fast"');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function fastLatency(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await (await fetch(url)).text();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * The median latency of a fast call alone, and of a fast call sent while a 2 s call is in
 * flight (the median of 3 rounds).
 */
async function addedLatency(
  base: string,
  object: string,
): Promise<{ alone: number; during: number }> {
  const fast = `${base}/pyro/${object}/fast`;
  const alone = median(await fastLatency(fast, 20));
  const during: number[] = [];
  for (let round = 0; round < 3; round++) {
    const slow = fetch(`${base}/pyro/${object}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 200)); // the slow call is in flight by now
    during.push(...await fastLatency(fast, 1));
    await slow;
  }
  return { alone, during: median(during) };
}

try {
  const nsUri = await start(PYTHON, [`${ROOT}tests/fixtures/py_nameserver.py`, "0"], "NS ");
  const nsPort = nsUri.slice(nsUri.lastIndexOf(":") + 1);
  const env = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: nsPort };
  const self = runtime === "deno" ? ["run", "-A"] : [];
  // The same object behind both gateways: Python's as "http.bench", ours as "http.bench.ts".
  const daemons: Array<[string, string]> = [];
  if (daemonChoice !== "ours") {
    await start(PYTHON, [`${ROOT}bench/httpgateway_server.py`, "127.0.0.1", nsPort], "URI ");
    daemons.push(["Python daemon", "http.bench"]);
  }
  if (daemonChoice !== "python") {
    await start(
      process.execPath,
      [...self, `${ROOT}bench/httpgateway_server.ts`, "127.0.0.1", nsPort, "http.bench.ts"],
      "URI ",
    );
    daemons.push([`${runtime} daemon`, "http.bench.ts"]);
  }
  const gatewayArgs = ["-H", "127.0.0.1", "-p", "0", "-e", "http\\."];
  const marker = "running on ";
  // Ours as it starts (lookups cached for 1 s), and with Python's lookup per request.
  const [python, ours, oursUncached] = await Promise.all([
    start(PYTHON, ["-u", "-m", "Pyro5.utils.httpgateway", ...gatewayArgs], marker, env),
    start(process.execPath, [...self, `${ROOT}cli/httpgateway.ts`, ...gatewayArgs], marker, env),
    start(
      process.execPath,
      [...self, `${ROOT}cli/httpgateway.ts`, ...gatewayArgs, "--lookup-cache", "0"],
      marker,
      env,
    ),
  ]);
  const gateways: Array<[string, string]> = [
    ["Python Pyro5 httpgateway", python.replace(/\/pyro\/$/, "")],
    [`ours (${runtime})`, ours.replace(/\/pyro\/$/, "")],
    [`ours (${runtime}, --lookup-cache 0)`, oursUncached.replace(/\/pyro\/$/, "")],
  ];
  console.log(
    `HTTP gateway benchmark, ${seconds} s per figure, load from ${
      load === "wrk" ? "wrk" : `${runtime} (node:net)`
    }`,
  );
  console.log(
    "gateway | 1 client req/s | 16 clients req/s | fast call alone | fast call during a 2 s call",
  );
  console.log("--- | ---: | ---: | ---: | ---:");
  for (const [daemon, object] of daemons) {
    const rows: Record<string, number[]> = {};
    for (const [name, base] of gateways) {
      const url = `${base}/pyro/${object}/fast`;
      await loadRate(url, 1, 1, '"fast"'); // warm up, every answer checked
      const one = await rate(url, 1);
      const sixteen = await rate(url, 16);
      const { alone, during } = await addedLatency(base, object);
      rows[name] = [one, sixteen, alone, during];
      console.log(
        `${name}, ${daemon} | ${one.toFixed(0)} | ${sixteen.toFixed(0)} | ${
          alone.toFixed(2)
        } ms | ${during.toFixed(2)} ms`,
      );
    }
    const py = rows["Python Pyro5 httpgateway"];
    for (const [name] of gateways.slice(1)) {
      const r = rows[name];
      console.log(
        `  ${name} vs Python, ${daemon}: ${(r[0] / py[0]).toFixed(1)}x with 1 client, ${
          (r[1] / py[1]).toFixed(1)
        }x with 16; a 2 s call adds ${(r[3] - r[2]).toFixed(2)} ms to a fast one (Python: ${
          (py[3] - py[2]).toFixed(0)
        } ms)`,
      );
    }
  }
} finally {
  stopChildren();
}
process.exit(0);
