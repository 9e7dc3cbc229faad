// The HTTP gateway in a real browser: headless Chromium (Debian's `chromium`, installed by
// tools/install_chromium.sh when missing) driven by puppeteer-core opens the index page, calls
// a method through its form and reads the formatted answer; a page of another origin calls the
// gateway with `fetch` and the gateway key header (a CORS preflight) and reads the correlation
// id. A browser that cannot start fails the test: it never skips.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Browser, launchChromium } from "../fixtures/chromium.ts";
import { type OurGateway, type PythonStack, startPythonStack } from "../fixtures/gateway_stack.ts";
import { serve } from "../../http/serve.ts";
import type { HttpServer } from "../../http/types.ts";

// The page's own global, inside page.evaluate (the test files are not type-checked with the DOM).
// deno-lint-ignore no-explicit-any
declare const document: any;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("HTTP gateway in headless Chromium", () => {
  let stack: PythonStack;
  let gateway: OurGateway;
  let other: HttpServer;
  let browser: Browser;

  before(async () => {
    stack = await startPythonStack();
    gateway = await stack.ourGateway({ expose: "test.", gatewayKey: "s3cret", cors: "*" });
    // A page of another origin (another port) whose script calls the gateway.
    const page = `<!DOCTYPE html><meta charset="utf-8"><title>other origin</title><script>
      window.result = (async () => {
        const response = await fetch(${
      JSON.stringify(gateway.url + "/pyro/test.echoserver/echo?message=cross-origin")
    }, { headers: { "X-Pyro-Gateway-Key": "s3cret", "X-Pyro-Correlation-Id": "0badc0de-1111-2222-3333-444455556666" } });
        return { status: response.status, body: await response.json(),
                 id: response.headers.get("X-Pyro-Correlation-Id") };
      })().catch((e) => ({ error: String(e) }));
    </script>`;
    other = await serve(
      () => new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8" } }),
      { hostname: "127.0.0.1", port: 0 },
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await other?.close();
    await stack?.stop();
  });

  it("the index page calls a method through its form and shows the formatted answer", async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${gateway.url}/pyro/?$key=s3cret`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), "Pyro HTTP gateway");
      const form = 'form.call[data-object="test.echoserver"][data-method="echo"]';
      await page.type(`${form} textarea`, '{"message": {"greeting": "hello", "n": [1, 2]}}');
      await page.click(`${form} button`);
      await page.waitForFunction(() =>
        document.getElementById("answer")!.className !== "pending" &&
        document.getElementById("answer")!.className !== "idle"
      );
      const shown = await page.evaluate(() => ({
        state: document.getElementById("answer")!.className,
        status: document.getElementById("answer-status")!.textContent,
        body: document.getElementById("answer-body")!.textContent,
        id: document.getElementById("answer-correlation")!.textContent,
      }));
      assert.equal(shown.state, "ok");
      assert.equal(shown.status, "200 OK");
      assert.equal(shown.body, JSON.stringify({ greeting: "hello", n: [1, 2] }, null, 2));
      assert.match(shown.id ?? "", UUID);

      // An error shows its Python class and the remote traceback.
      const error = 'form.call[data-object="test.echoserver"][data-method="error"]';
      await page.click(`${error} button`);
      await page.waitForFunction(() => document.getElementById("answer")!.className === "error");
      const failed = await page.evaluate(() => document.getElementById("answer-body")!.textContent);
      assert.match(failed ?? "", /^builtins\.ValueError: this is the generated error/);
      assert.match(failed ?? "", /Traceback \(most recent call last\)/);
    } finally {
      await page.close();
    }
  });

  it("a page of another origin calls the gateway with fetch and the key header", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${other.port}/`);
      const result = await page.evaluate(() =>
        (globalThis as unknown as { result: unknown }).result
      );
      assert.deepEqual(result, {
        status: 200,
        body: "cross-origin",
        id: "0badc0de-1111-2222-3333-444455556666",
      });
    } finally {
      await page.close();
    }
  });
});
