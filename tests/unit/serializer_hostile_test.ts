// Bad and hostile input for every deserializer: clear SerializeErrors, never a
// crash, never code run, never a prototype touched.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SerializeError } from "../../errors.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { fromHex, rejects } from "../helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const serpent = getSerializer("serpent");
const json = getSerializer("json");
const marshal = getSerializer("marshal");
const msgpack = getSerializer("msgpack");

/** `fn` throws a SerializeError matching `pattern`. */
function refused(fn: () => unknown, pattern: RegExp): void {
  rejects(fn, SerializeError, pattern);
}

describe("hostile input", () => {
  it("serpent never evaluates: calls, names, lambdas and attributes are parse errors", () => {
    (globalThis as Record<string, unknown>).__pwned = false;
    for (
      const text of [
        "__import__('os').system('x')",
        "lambda: 0",
        "().__class__.__bases__[0]",
        "open('/etc/passwd')",
        "[x for x in ()]",
        "1 + 2",
        "eval('1')",
        "{'a': __import__('os')}",
        "frozenset()",
      ]
    ) {
      refused(() => serpent.loads(enc(text)), /^serpent: .* at offset \d+$/);
    }
    assert.equal((globalThis as Record<string, unknown>).__pwned, false);
  });

  it("serpent rejects truncated and malformed literals with the offset", () => {
    refused(() => serpent.loads(enc("('a', ")), /unexpected end of input at offset 6/);
    refused(() => serpent.loads(enc("'unterminated")), /unterminated string/);
    refused(() => serpent.loads(enc("{'a' 1}")), /expected , or }, got "1}" at offset 5/);
    refused(() => serpent.loads(enc("'\\x4'")), /truncated \\x escape/);
    refused(() => serpent.loads(enc("12abc")), /invalid number/);
    refused(() => serpent.loads(new Uint8Array([0x27, 0xff, 0x27])), /not valid UTF-8/);
    refused(() => serpent.loads(enc("'a\u0000'")), /NUL byte/);
    refused(() => serpent.loads(enc("")), /empty input/);
  });

  it("nesting 100000 deep is an error in every format, not a crash", () => {
    const deep = 100000;
    refused(
      () => serpent.loads(enc("[".repeat(deep) + "]".repeat(deep))),
      /nesting deeper than 1000/,
    );
    refused(
      () => serpent.loads(enc("-".repeat(deep) + "(".repeat(deep) + "1" + ")".repeat(deep))),
      /nesting deeper/,
    );
    refused(() => json.loads(enc("[".repeat(deep) + "]".repeat(deep))), /nesting deeper than 1000/);
    refused(() => msgpack.loads(new Uint8Array(deep).fill(0x91)), /nesting deeper than 1000/);
    const m = new Uint8Array(deep * 5);
    for (let i = 0; i < deep; i++) m.set([0x5b, 1, 0, 0, 0], i * 5);
    refused(() => marshal.loads(m), /nesting deeper than 1000/);
    let v: unknown = 1;
    for (let i = 0; i < 5000; i++) v = [v];
    for (const s of [serpent, json, marshal, msgpack]) {
      refused(() => s.dumps(v), /nesting too deep/);
    }
  });

  it("circular references are refused when encoding", () => {
    const a: unknown[] = [];
    a.push(a);
    for (const s of [serpent, json, marshal, msgpack]) {
      refused(() => s.dumps(a), /circular reference/);
    }
  });

  it("a dict key __proto__ does not touch any prototype", () => {
    const inputs: Array<[string, Uint8Array]> = [
      ["serpent", enc("{'__proto__': {'polluted': True}, 'a': 1}")],
      ["json", enc('{"__proto__": {"polluted": true}, "a": 1}')],
      [
        "msgpack",
        msgpack.dumps(
          Object.defineProperty({ a: 1 }, "__proto__", {
            value: { polluted: true },
            enumerable: true,
          }),
        ),
      ],
      [
        "marshal",
        marshal.dumps(new Map<unknown, unknown>([["__proto__", { polluted: true }], ["a", 1]])),
      ],
    ];
    for (const [name, bytes] of inputs) {
      const got = getSerializer(name).loads(bytes) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(got), Object.prototype, name);
      assert.deepEqual(
        Object.getOwnPropertyDescriptor(got, "__proto__")?.value,
        { polluted: true },
        name,
      );
      assert.equal(({} as Record<string, unknown>).polluted, undefined, name);
      assert.equal(got.a, 1, name);
    }
  });

  it("marshal refuses unknown codes, code objects, bad refs and lying sizes", () => {
    refused(() => marshal.loads(new Uint8Array([0x3f])), /unknown type code 0x3f at offset 0/);
    refused(() => marshal.loads(new Uint8Array([0x63, 0, 0, 0, 0])), /refusing a code object/);
    refused(() => marshal.loads(fromHex("7205000000")), /back-reference 5 out of range/);
    // A list claiming 2^31-1 items in 5 bytes: refused before any allocation.
    refused(() => marshal.loads(fromHex("5bffffff7f")), /truncated data/);
    refused(() => marshal.loads(fromHex("73ffffff7f")), /truncated data/);
    refused(() => marshal.loads(fromHex("e9050000")), /truncated data/);
    refused(() => marshal.loads(fromHex("4e4e")), /extra bytes/);
  });

  it("msgpack refuses truncation mid-value, lying sizes and unknown ext codes", () => {
    const good = msgpack.dumps({ key: "value", list: [1, 2, 3] });
    for (let cut = 1; cut < good.length; cut++) {
      refused(() => msgpack.loads(good.subarray(0, cut)), /truncated data/);
    }
    refused(() => msgpack.loads(fromHex("dd7fffffff")), /truncated data/);
    refused(() => msgpack.loads(fromHex("c6ffffffff")), /truncated data/);
    refused(() => msgpack.loads(fromHex("d4ff00")), /^invalid ext code for msgpack: -1|timestamp/);
    refused(() => msgpack.loads(fromHex("d40500")), /invalid ext code for msgpack: 5/);
    refused(() => msgpack.loads(fromHex("c1")), /invalid type byte 0xc1/);
  });

  it("json rejects garbage with the offset, and bytes with a reason", () => {
    refused(() => json.loads(enc('{"a": }')), /offset 6/);
    refused(() => json.loads(enc("[1, 2")), /offset 5/);
    refused(() => json.loads(enc('"abc')), /unterminated string/);
    refused(() => json.dumps(new Uint8Array(1)), /json cannot serialize bytes/);
    refused(() => json.dumps(new Map([[[1, 2], "x"]])), /dict keys must be str/);
  });

  it("functions and symbols cannot be sent", () => {
    for (const s of [serpent, json, marshal, msgpack]) {
      refused(() => s.dumps(() => 1), /function/);
      refused(() => s.dumps(Symbol("x")), /symbol/);
    }
  });
});
