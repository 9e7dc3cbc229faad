// The WebSocket bridge benchmark: calls per second from headless Chromium to a threaded Python
// daemon through our gateway's bridge (a Proxy in the page, /pyro/pyro5.js), one at a time and
// 64 in flight, beside the same calls from the same page through the HTTP gateway (fetch), and
// from this process straight over TCP. The gateway runs as its own process on this runtime.
// A bare WebSocket echo (no Pyro, served by this process) shows the page's own ceiling.
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
const IN_PAGE = `async (rate, how, inFlight, seconds, echoUrl) => {
  const { Proxy, webSocketTransport } = await import("/pyro/pyro5.js");
  const bridge = new URL("/pyro/ws", location.href);
  bridge.protocol = "ws:";
  const proxy = new Proxy("PYRONAME:http.bench", { transport: webSocketTransport(bridge) });
  let call = how === "bridge"
    ? () => proxy.fast()
    : () => fetch("/pyro/http.bench/fast").then((r) => r.json());
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
  const uri = await start(
    PYTHON,
    [`${ROOT}bench/httpgateway_server.py`, "127.0.0.1", nsPort],
    "URI ",
  );
  const self = runtime === "deno" ? ["run", "-A"] : [];
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
  const inPage = (how: string, inFlight: number) =>
    page.evaluate(
      `(${IN_PAGE})(${rate}, ${JSON.stringify(how)}, ${inFlight}, ${seconds}, ${
        JSON.stringify(echoUrl)
      })`,
    ) as Promise<number>;

  await using direct = new Proxy(uri);
  await direct.fast();
  const rows: Array<[string, number, number | null]> = [
    ["Chromium, WebSocket bridge", await inPage("bridge", 1), await inPage("bridge", 64)],
    ["Chromium, HTTP gateway", await inPage("http", 1), await inPage("http", 64)],
    [
      `${runtime}, direct TCP`,
      await rate(() => direct.fast(), 1, seconds),
      await rate(() => direct.fast(), 64, seconds),
    ],
    ["Chromium, bare WebSocket echo (no Pyro)", await inPage("echo", 1), null],
  ];
  await browser.close();
  await echoServer.close();

  console.log(`WebSocket bridge benchmark, ${seconds} s per figure, gateway on ${runtime}`);
  console.log("client and path | sequential calls/s | 64 in flight calls/s");
  console.log("--- | ---: | ---:");
  for (const [name, one, many] of rows) {
    console.log(`${name} | ${one.toFixed(0)} | ${many?.toFixed(0) ?? "—"}`);
  }
  const [bridge, http] = rows;
  console.log(
    `bridge vs HTTP gateway: ${(bridge[1] / http[1]).toFixed(1)}x sequential, ${
      (bridge[2]! / http[2]!).toFixed(1)
    }x with 64 in flight, ${(bridge[2]! / http[1]).toFixed(1)}x HTTP's sequential rate`,
  );
} finally {
  setup.stopChildren();
}
process.exit(0);
