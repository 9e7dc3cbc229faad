// Each Proxy and Daemon serializes with its own config (issue 14): a daemon honours
// SERPENT_BYTES_REPR in its replies, as Python's daemon does, and both sides take their
// nesting limit from MAX_NESTING_DEPTH.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Proxy } from "../../client.ts";
import { expose } from "../../server.ts";
import type { Daemon } from "../../server.ts";
import type { ConfigItems } from "../../config.ts";
import { pythonPath } from "../fixtures/python.ts";
import { loopbackDaemon } from "../helpers.ts";

const BYTES = new Uint8Array([0, 65, 39, 34, 255]);

class Values {
  blob(): Uint8Array {
    return BYTES;
  }
  echo(value: unknown): unknown {
    return value;
  }
  nested(levels: number): unknown {
    let v: unknown = "leaf";
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  }
}
expose(Values);

function nested(levels: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

async function serving<T>(config: Partial<ConfigItems>, use: (uri: string) => Promise<T>) {
  const daemon: Daemon = await loopbackDaemon(config);
  try {
    return await use(String(daemon.register(new Values(), "values")));
  } finally {
    await daemon.close();
  }
}

/** What a Python Pyro5 proxy receives from `blob()`: its type and repr. */
function pythonBlob(uri: string): Promise<string> {
  const script = "import Pyro5.api,sys\nv = Pyro5.api.Proxy(sys.argv[1]).blob()\n" +
    "print(type(v).__name__, repr(v))";
  return new Promise((resolve, reject) =>
    execFile(
      pythonPath(),
      ["-c", script, uri],
      (e, out, err) => e ? reject(new Error(err)) : resolve(out.trim()),
    )
  );
}

describe("a daemon's SERPENT_BYTES_REPR", () => {
  it("true: a Python client receives bytes from a bytes literal, as from a Python daemon", async () => {
    const got = await serving({ SERPENT_BYTES_REPR: true }, pythonBlob);
    assert.equal(got, `bytes b'\\x00A\\'"\\xff'`);
  });

  it("false (the default): the Python client receives serpent's base64 dict", async () => {
    const got = await serving({}, pythonBlob);
    assert.equal(got, "dict {'data': 'AEEnIv8=', 'encoding': 'base64'}");
  });
});

describe("MAX_NESTING_DEPTH", () => {
  for (const serializer of ["serpent", "json", "marshal", "msgpack"] as const) {
    it(`${serializer}: the daemon refuses a request nested deeper than its limit`, async () => {
      await serving({ MAX_NESTING_DEPTH: 10 }, async (uri) => {
        await using p = new Proxy(uri, { serializer });
        assert.deepEqual(await p.echo(nested(5)), nested(5));
        await assert.rejects(p.echo(nested(20)), /nesting deeper than 10/);
      });
    });

    it(`${serializer}: the proxy refuses a reply nested deeper than its limit`, async () => {
      await serving({}, async (uri) => {
        await using p = new Proxy(uri, { serializer, config: { MAX_NESTING_DEPTH: 10 } });
        assert.deepEqual(await p.nested(5), nested(5));
        await assert.rejects(p.nested(20), /nesting deeper than 10/);
      });
    });

    it(`${serializer}: both sides raised past the default take deeper values`, async () => {
      await serving({ MAX_NESTING_DEPTH: 1500 }, async (uri) => {
        await using shallow = new Proxy(uri, { serializer });
        await assert.rejects(shallow.echo(nested(1200)), /nesting too deep/);
        await using deep = new Proxy(uri, { serializer, config: { MAX_NESTING_DEPTH: 1500 } });
        assert.equal(JSON.stringify(await deep.echo(nested(1200))), JSON.stringify(nested(1200)));
      });
    });
  }
});
