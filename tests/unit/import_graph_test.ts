// The core loads no runtime module: each public entry point's static import graph holds no
// `node:` import and names neither `Deno.` nor `Bun.` outside transport/ and cli/, so a browser
// or a worker can import the package (issue 14). Runtime modules are loaded lazily by the
// adapter that needs them (transport/builtin.ts); the call context finds `AsyncLocalStorage`
// the same way, so not even `node:async_hooks` is imported statically.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { offences, staticGraph, staticImports } from "../../tools/import_graph.ts";

/** The package's entry points (deno.json `exports`) but the command-line tools. */
const ENTRY_POINTS = [
  "mod.ts",
  "errors.ts",
  "uri.ts",
  "client.ts",
  "server.ts",
  "naming.ts",
  "config.ts",
  "serializers/mod.ts",
  "transport/mod.ts",
  "protocol/mod.ts",
  "http/mod.ts",
  "browser.ts",
];

describe("static import graph", () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry} loads no runtime module and names no runtime outside transport/`, () => {
      assert.deepEqual(offences([entry], []), []);
    });
  }

  it("covers the adapters, so a static import in one of them would be found", () => {
    const files = staticGraph(["mod.ts"]).map((f) => f.path);
    for (
      const f of ["transport/node.ts", "transport/node_udp.ts", "transport/tls.ts", "context.ts"]
    ) {
      assert.ok(files.includes(f), `${f} is in the graph of mod.ts`);
    }
  });

  it("finds a static node: import and a runtime name in a fixture, but not type-only or dynamic ones", () => {
    assert.deepEqual(offences(["tests/fixtures/import_graph/entry.ts"], []), [
      "tests/fixtures/import_graph/runtime_user.ts imports node:fs",
      "tests/fixtures/import_graph/runtime_user.ts names Deno.",
    ]);
  });

  it("reads every static form and leaves out the erased ones", () => {
    const source = [
      `import { a } from "./a.ts";`,
      `import * as b from "./b.ts";`,
      `import "./c.ts";`,
      `export { d } from "./d.ts";`,
      `export * from "./e.ts";`,
      `import type { F } from "./f.ts";`,
      `import { type G, type H } from "./g.ts";`,
      `export type { I } from "./i.ts";`,
      `const j = await import("./j.ts");`,
    ].join("\n");
    assert.deepEqual(staticImports(source), ["./a.ts", "./b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });
});
