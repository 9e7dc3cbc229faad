// The browser example in headless Chromium: the page imports /pyro/pyro5.js from our gateway
// and holds a real Proxy over the WebSocket bridge, to the example object served by Python
// Pyro5 and by a daemon of ours, with each of the four serializers: a call, a streamed
// generator, a remote exception with its traceback. A page closed mid-stream leaves nothing open.
// Then what the bridge refuses: a name outside the expose pattern, a wrong key, a page of an
// origin the CORS setting leaves out.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Browser, launchChromium } from "../fixtures/chromium.ts";
import { type BrowserStack, startBrowserStack } from "../fixtures/browser_stack.ts";
import type { OurGateway } from "../fixtures/gateway_stack.ts";
import { serve } from "../../http/serve.ts";
import type { HttpServer } from "../../http/types.ts";
import { until } from "../helpers.ts";

// The page's own global, inside page.evaluate (the test files are not type-checked with the DOM).
// deno-lint-ignore no-explicit-any
declare const document: any;

interface Shown {
  state: string;
  greeting: string;
  stream: string[];
  error: string;
  traceback: string;
  status: string;
}

describe("the browser example through the WebSocket bridge, in headless Chromium", () => {
  // The processes, a gateway with a key in front of them, and the browser, made once.
  let stack: BrowserStack | null = null;
  let gateway: OurGateway;
  let browser: Browser | null = null;

  before(async () => {
    stack = await startBrowserStack();
    [gateway, browser] = await Promise.all([
      stack.gateway({ gatewayKey: "s3cret" }),
      launchChromium(),
    ]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Opens the example page with this query and reads what it shows once it is done. */
  async function open(query: string): Promise<Shown> {
    const page = await browser!.newPage();
    try {
      const response = await page.goto(`${gateway.url}/pyro/static/index.html?${query}`);
      assert.equal(response?.status(), 200);
      // A generous bound that catches a hang, not a timing assertion.
      await page.waitForFunction(() => document.body.dataset.state !== "running", {
        timeout: 30_000,
      });
      return await page.evaluate(() => {
        const text = (id: string) => document.getElementById(id).textContent as string;
        return {
          state: document.body.dataset.state as string,
          greeting: text("greeting"),
          stream: [...document.querySelectorAll("#stream li")].map((li) =>
            (li as { textContent: string }).textContent
          ),
          error: text("error-class"),
          traceback: text("traceback"),
          status: text("status"),
        };
      });
    } finally {
      await page.close();
    }
  }

  for (const serializer of ["serpent", "json", "marshal", "msgpack"]) {
    it(`a Python daemon, ${serializer}`, async () => {
      const shown = await open(`name=example.browser.py&serializer=${serializer}&key=s3cret`);
      assert.equal(shown.status, "done");
      assert.equal(shown.greeting, "Hello browser, from Python");
      assert.deepEqual(shown.stream, ["5", "4", "3", "2", "1"]);
      assert.equal(shown.error, "builtins.ValueError: refusing this request");
      assert.match(shown.traceback, /Remote traceback:/);
      assert.match(shown.traceback, /ValueError: refusing this request/);
    });

    it(`a TypeScript daemon, ${serializer}`, async () => {
      const shown = await open(`name=example.browser.ts&serializer=${serializer}&key=s3cret`);
      assert.equal(shown.status, "done");
      assert.equal(shown.greeting, "Hello browser, from TypeScript");
      assert.deepEqual(shown.stream, ["5", "4", "3", "2", "1"]);
      assert.match(shown.error, /refusing this request/);
      assert.match(shown.traceback, /Remote traceback:/);
    });
  }

  it("a name outside the expose pattern is refused", async () => {
    const shown = await open("name=test.echoserver&key=s3cret");
    assert.equal(shown.state, "failed");
    assert.match(shown.status, /^SecurityError: .*refused: test\.echoserver is not exposed/);
  });

  it("a wrong key is refused", async () => {
    const shown = await open("name=example.browser.py&key=wrong");
    assert.equal(shown.state, "failed");
    assert.match(shown.status, /^SecurityError: .*refused: incorrect gateway key/);
  });

  it("a page closed in the middle of a stream leaves nothing open in the bridge", async () => {
    const bridge = gateway.gateway.webSocket!;
    const idle = () => bridge.openSockets === 0 && bridge.openDaemonConnections === 0;
    await until(idle); // the pages before this one left nothing open either
    const page = await browser!.newPage();
    await page.goto(`${gateway.url}/pyro/pyro5.js`); // a page of the gateway's origin
    await page.evaluate(`(async () => {
      const { Proxy, webSocketTransport } = await import("/pyro/pyro5.js");
      const url = new URL("/pyro/ws", location.href);
      url.protocol = "ws:";
      const demo = new Proxy("PYRONAME:example.browser.py", {
        transport: webSocketTransport(url, { key: "s3cret" }),
      });
      const stream = await demo.countdown(1000); // 50 s of items
      window.first = (await stream.next()).value;
    })()`);
    assert.equal(await page.evaluate("window.first"), 1000);
    assert.equal(bridge.openDaemonConnections, 1);
    await page.close();
    await until(idle);
    const shown = await open("name=example.browser.py&key=s3cret");
    assert.equal(shown.status, "done");
  });

  it("a page of an origin outside the CORS setting cannot open the bridge", async () => {
    const strict = await stack!.gateway({ gatewayKey: "s3cret", cors: "http://example.org" });
    const wsUrl = `${strict.url.replace("http:", "ws:")}/pyro/ws`;
    const page = `<!DOCTYPE html><meta charset="utf-8"><script>
      window.result = new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(wsUrl)});
        ws.onopen = () => resolve("open");
        ws.onclose = (e) => resolve("closed " + e.code);
      });
    </script>`;
    let other: HttpServer | null = null;
    const tab = await browser!.newPage();
    try {
      other = await serve(
        () => new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8" } }),
        { hostname: "127.0.0.1", port: 0 },
      );
      await tab.goto(`http://127.0.0.1:${other.port}/`);
      const result = await tab.evaluate(() =>
        (globalThis as unknown as { result: Promise<string> }).result
      );
      // The upgrade is answered 403: the browser reports an abnormal close.
      assert.equal(result, "closed 1006");
      assert.equal(strict.gateway.webSocket?.openSockets, 0);
    } finally {
      await tab.close();
      await other?.close();
    }
  });
});
