// The WebSocket bridge benchmark: calls per second from headless Chromium through our gateway's
// bridge (a Proxy in the page, /pyro/pyro5.js), one at a time and 64 in flight, beside the same
// calls from the same page through the HTTP gateway (fetch), and from this process straight over
// TCP; to a threaded Python daemon and to a daemon of ours (each its own process). The gateway
// runs as its own process on this runtime. A bare WebSocket echo (no Pyro, served by this
// process) shows the page's own ceiling.
// Run: deno run -A bench/websocket.ts [--seconds 3] (or bun, node)
import * as setup from "./_setup.ts";
import { launchChromium } from "../tests/fixtures/chromium.ts";
import { Proxy } from "../client.ts";
import { serve } from "../http/serve.ts";
import type { WebSocketEndpoint } from "../http/ws_types.ts";

const { PYTHON, ROOT, RUNTIME: runtime, startChild: start } = setup;
const seconds = setup.secondsOption();

/**
 * Calls `call` for `seconds`, `inFlight` at a time; calls per second. Self-contained: the page
 * runs this same function (its source is sent along), so both sides measure alike.
 */
async function rate(
  call: () => Promise<unknown>,
  inFlight: number,
  seconds: number,
): Promise<number> {
  let count = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      if (await call() !== "fast") throw new Error("bad answer");
      count++;
    }
  }));
  return count / seconds;
}

/** A WebSocket endpoint that answers every message with "fast". */
const echo: WebSocketEndpoint = {
  maxMessageSize: 1024,
  upgrade: () => ({
    open: (socket) => ({ message: () => socket.send("fast"), close() {} }),
  }),
};

// The measurement inside the page, as source text: the page runs it, not this process.
const IN_PAGE = `async (rate, how, inFlight, seconds, echoUrl, name) => {
  const { Proxy, webSocketTransport } = await import("/pyro/pyro5.js");
  const bridge = new URL("/pyro/ws", location.href);
  bridge.protocol = "ws:";
  const proxy = new Proxy("PYRONAME:" + name, { transport: webSocketTransport(bridge) });
  let call = how === "bridge"
    ? () => proxy.fast()
    : () => fetch("/pyro/" + name + "/fast").then((r) => r.json());
  if (how === "echo") {
    const ws = new WebSocket(echoUrl);
    await new Promise((resolve) => ws.onopen = resolve);
    call = () => new Promise((resolve) => {
      ws.onmessage = (event) => resolve(event.data);
      ws.send("call");
    });
    if (inFlight > 1) throw new Error("the echo is measured one message at a time");
  }
  await call();
  const calls = await rate(call, inFlight, seconds);
  await proxy._pyroRelease();
  return calls;
}`;

try {
  const nsUri = await start(PYTHON, [`${ROOT}tests/fixtures/py_nameserver.py`, "0"], "NS ");
  const nsPort = nsUri.slice(nsUri.lastIndexOf(":") + 1);
  const env = { PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: nsPort };
  const self = runtime === "deno" ? ["run", "-A"] : [];
  const daemons: Array<[string, string, string]> = [
    [
      "Python daemon",
      "http.bench",
      await start(PYTHON, [`${ROOT}bench/httpgateway_server.py`, "127.0.0.1", nsPort], "URI "),
    ],
    [
      `${runtime} daemon`,
      "http.benchts",
      await start(
        process.execPath,
        [...self, `${ROOT}bench/httpgateway_server.ts`, "127.0.0.1", nsPort, "http.benchts"],
        "URI ",
      ),
    ],
  ];
  const gateway = (await start(
    process.execPath,
    [...self, `${ROOT}cli/httpgateway.ts`, "-H", "127.0.0.1", "-p", "0", "--websocket"],
    "running on ",
    env,
  )).replace(/\/pyro\/$/, "");

  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${gateway}/pyro/pyro5.js`); // any page of the gateway's origin
  const echoServer = await serve(() => new Response("", { status: 404 }), {
    hostname: "127.0.0.1",
    port: 0,
    webSocket: echo,
  });
  const echoUrl = `ws://127.0.0.1:${echoServer.port}/`;
  const inPage = (how: string, inFlight: number, name = "http.bench") =>
    page.evaluate(
      `(${IN_PAGE})(${rate}, ${JSON.stringify(how)}, ${inFlight}, ${seconds}, ${
        JSON.stringify(echoUrl)
      }, ${JSON.stringify(name)})`,
    ) as Promise<number>;

  const rows: Array<[string, number, number | null]> = [];
  for (const [daemon, name, uri] of daemons) {
    await using direct = new Proxy(uri);
    await direct.fast();
    rows.push(
      [
        `${daemon}: Chromium, WebSocket bridge`,
        await inPage("bridge", 1, name),
        await inPage("bridge", 64, name),
      ],
      [
        `${daemon}: Chromium, HTTP gateway`,
        await inPage("http", 1, name),
        await inPage("http", 64, name),
      ],
      [
        `${daemon}: ${runtime}, direct TCP`,
        await rate(() => direct.fast(), 1, seconds),
        await rate(() => direct.fast(), 64, seconds),
      ],
    );
  }
  rows.push(["Chromium, bare WebSocket echo (no Pyro)", await inPage("echo", 1), null]);
  await browser.close();
  await echoServer.close();

  console.log(`WebSocket bridge benchmark, ${seconds} s per figure, gateway on ${runtime}`);
  console.log("client and path | sequential calls/s | 64 in flight calls/s");
  console.log("--- | ---: | ---:");
  for (const [name, one, many] of rows) {
    console.log(`${name} | ${one.toFixed(0)} | ${many?.toFixed(0) ?? "—"}`);
  }
  for (let i = 0; i < daemons.length; i++) {
    const [bridge, http] = rows.slice(i * 3);
    console.log(
      `${daemons[i][0]}: bridge vs HTTP gateway: ${(bridge[1] / http[1]).toFixed(1)}x sequential, ${
        (bridge[2]! / http[2]!).toFixed(1)
      }x with 64 in flight, ${(bridge[2]! / http[1]).toFixed(1)}x HTTP's sequential rate`,
    );
  }
  const echoRate = rows[rows.length - 1][1];
  console.log(`bare echo vs HTTP gateway (Python daemon): ${(echoRate / rows[1][1]).toFixed(1)}x`);
} finally {
  setup.stopChildren();
}
process.exit(0);
