import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { URI } from "../../uri.ts";
import { PyroError } from "../../errors.ts";
import { loadVectors } from "../helpers.ts";

const { uri_parsing: table } = loadVectors("pyro_objects.json") as {
  uri_parsing: Array<
    { uri: string; state?: unknown[]; str?: string; location?: string | null; error?: string }
  >;
};

describe("URI", () => {
  it("parses and formats every URI of the Pyro5 table as Python does", () => {
    // The vectors were made with NS_PORT 47002: PYRONAME hosts without a port get it.
    for (const row of table) {
      if (row.error) {
        const message = row.error.replace(/^PyroError: /, "");
        assert.throws(
          () => new URI(row.uri, { nsPort: 47002 }),
          (e: Error) => e instanceof PyroError && e.message === message,
          row.uri,
        );
        continue;
      }
      const uri = new URI(row.uri, { nsPort: 47002 });
      const [protocol, object, sockname, host, port] = row.state!;
      assert.equal(uri.protocol, protocol, row.uri);
      if (Array.isArray(object)) assert.deepEqual(new Set(uri.metadata), new Set(object), row.uri);
      else assert.equal(uri.object, object, row.uri);
      assert.equal(uri.sockname, sockname, row.uri);
      assert.equal(uri.host, host, row.uri);
      assert.equal(uri.port, port, row.uri);
      assert.equal(uri.location, row.location, row.uri);
      if (!Array.isArray(object) || object.length < 2) assert.equal(String(uri), row.str, row.uri);
      assert.deepEqual(String(URI.fromState(uri.state)), String(uri));
      assert.deepEqual(String(new URI(uri)), String(uri));
    }
  });

  it("parses the name server URI of a broadcast reply", () => {
    const bc = loadVectors("broadcast.json") as {
      request_hex: string;
      response_text: string;
      response_hex: string;
    };
    assert.equal(
      new TextDecoder().decode(
        Uint8Array.from(bc.request_hex.match(/../g)!.map((h) => parseInt(h, 16))),
      ),
      "GET_NSURI",
    );
    const uri = new URI(bc.response_text);
    assert.equal(uri.object, "Pyro.NameServer");
    assert.equal(uri.port, 47002);
  });

  it("defaults the name server port to 9090 and rejects non-strings", () => {
    assert.equal(new URI("PYRONAME:x@host").port, 9090);
    assert.throws(() => new URI(42 as unknown as string), TypeError);
  });
});
