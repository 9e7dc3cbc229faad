// tools/build_browser.ts: the one ES module the gateway serves at /pyro/pyro5.js. It imports
// nothing (no `node:` module, no other file), exports exactly what browser.ts exports, loads as
// a module on this runtime too, and leaves the runtime adapters out.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildBrowserModule } from "../../tools/build_browser.ts";
import * as browser from "../../browser.ts";

describe("the browser build", () => {
  it("imports nothing, exports browser.ts's names, and loads", async () => {
    const text = await buildBrowserModule();
    assert.doesNotMatch(text, /^\s*import\s/m, "a static import");
    assert.doesNotMatch(text, /\bimport\(/, "a dynamic import");
    assert.doesNotMatch(text, /\brequire\(/, "a require left over");
    const dir = mkdtempSync(join(tmpdir(), "pyro5-browser-"));
    try {
      const file = join(dir, "pyro5.js");
      writeFileSync(file, text);
      const built = await import(pathToFileURL(file).href);
      assert.deepEqual(Object.keys(built).sort(), Object.keys(browser).sort());
      assert.equal(typeof built.webSocketTransport, "function");
      assert.equal(built.webSocketTransport("ws://localhost:1/pyro/ws").name, "websocket");
      assert.equal(String(new built.URI("PYRONAME:x.y")), "PYRONAME:x.y");
      // The runtime adapters are not in it: a proxy without a transport says what to give it.
      const bare = new built.Proxy("PYRO:thing@127.0.0.1:1");
      await assert.rejects(bare._pyroBind(), /not part of the browser build.*webSocketTransport/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
