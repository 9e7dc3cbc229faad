// Bad and hostile serpent input: every failure is a SerializeError that says
// what and where, never a crash, never code run, never a prototype touched.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SerializeError } from "../../errors.ts";
import { SerpentSerializer } from "../../serializers/classes.ts";
import { tuple } from "../../serializers/types.ts";
import { rejects, seededRandom } from "../helpers.ts";

const serpent = new SerpentSerializer();
const enc = (s: string) => new TextEncoder().encode(s);
const HEADER = "# serpent utf-8 python3.2\n";

/** serpent (or `s`) refuses `text` with a SerializeError matching `pattern`. */
function refused(text: string | Uint8Array, pattern: RegExp, s = serpent): void {
  const bytes = typeof text === "string" ? enc(text) : text;
  const what = `${
    JSON.stringify(typeof text === "string" ? text.slice(0, 60) : "bytes")
  } ${pattern}`;
  rejects(() => s.loads(bytes), SerializeError, pattern, what);
}

/** Loads, and fails the test on any error that is not a SerializeError. */
function loadsOrSerializeError(bytes: Uint8Array, what: string): void {
  try {
    serpent.loads(bytes);
  } catch (e) {
    if (!(e instanceof SerializeError)) {
      assert.fail(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
    }
    assert.match(e.message, /at offset \d+$|NUL byte|UTF-8/, what);
  }
}

const RICH = serpent.dumps({
  list: [1, -2.5, 2n ** 70n, null, true, "it's \u20ac\u{1F600}\n"],
  tuple: tuple(1, tuple()),
  set: new Set([1, 2]),
  map: new Map<unknown, unknown>([[tuple(1, 2), { x: new Uint8Array([0, 255]) }]]),
  nan: NaN,
  inf: -Infinity,
});

describe("serpent hostile input", () => {
  it("is never evaluated: code of every kind is a parse error naming the offset", () => {
    const g = globalThis as Record<string, unknown>;
    g.__serpentPwned = false;
    for (
      const text of [
        "__import__('os').system('x')",
        "lambda: 0",
        "globalThis.__serpentPwned = True",
        "(__serpentPwned := True)",
        "().__class__.__bases__[0].__subclasses__()",
        "open('/etc/passwd').read()",
        "[x for x in range(10)]",
        "{'a': __import__('os')}",
        "[1, 2, eval('3')]",
        "f'{1+1}'",
        "2**100000000",
        "9**9**9",
        "1 * 2",
        "'a' * 1000000000",
        "not True",
        "~1",
        "1 if True else 2",
        "[*range(3)]",
        "{**{}}",
        "a.b",
        "x[0]",
        "set([1])",
        "frozenset()",
        "...",
        "1;2",
        "--1",
        "1 + 2",
        "1j + 1",
        "(1+2j) + 3j",
        "-'a'",
      ]
    ) {
      refused(text, /^serpent: .+ at offset \d+$/);
    }
    assert.equal(g.__serpentPwned, false);
    delete g.__serpentPwned;
  });

  it("has no eval or Function anywhere in the serpent sources", () => {
    for (const file of ["serpent.ts", "serpent_parser.ts", "serpent_writer.ts"]) {
      const source = readFileSync(new URL(`../../serializers/${file}`, import.meta.url), "utf8");
      assert.doesNotMatch(source, /\beval\s*\(|\bnew Function\b|\bFunction\s*\(/, file);
    }
  });

  it("says where a name or call was found", () => {
    refused("[1, foo]", /names are not literals: "foo" is not allowed at offset 4$/);
    refused("{'a': set([1])}", /only set\(\) may be called at offset 6$/);
    refused("...", /Ellipsis .* at offset 0$/);
    refused("(1, --2)", /only one sign may stand before a number at offset 5$/);
    refused("1 + 2", /imaginary number literal at offset 4$/);
    refused("'a' + 'b'", /operators are only allowed between a real and an imaginary number/);
  });

  it("refuses every truncation of a valid payload", () => {
    const text = new TextDecoder().decode(RICH);
    for (let cut = 0; cut < text.length; cut++) {
      const prefix = text.slice(0, cut);
      assert.throws(
        () => serpent.loads(enc(prefix)),
        (e: Error) => e instanceof SerializeError && /at offset \d+$/.test(e.message),
        JSON.stringify(prefix.slice(-30)),
      );
    }
    refused(text.slice(0, -1), /expected , or }, got end of input at offset \d+$/);
    refused(HEADER, /empty input, expected an expression at offset 26$/);
  });

  it("survives random damage: valid value or SerializeError, nothing else", () => {
    const rnd = seededRandom(7);
    const noise = "'\"\\()[]{},:#-+.0123456789jeExbrNTFu_ \n\r\t\u00e9\u{1F600}\ud800";
    const text = new TextDecoder().decode(RICH);
    for (let n = 0; n < 4000; n++) {
      let damaged = text;
      const edits = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rnd() * damaged.length);
        const piece = noise[Math.floor(rnd() * noise.length)];
        const kind = rnd();
        damaged = kind < 0.4
          ? damaged.slice(0, at) + piece + damaged.slice(at + 1)
          : kind < 0.7
          ? damaged.slice(0, at) + piece + damaged.slice(at)
          : damaged.slice(0, at) + damaged.slice(at + 1);
      }
      loadsOrSerializeError(enc(damaged), JSON.stringify(damaged));
    }
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => rnd() * 256);
      loadsOrSerializeError(bytes, `random bytes ${bytes}`);
    }
  });

  it("refuses bad bytes and bad encodings before parsing", () => {
    refused(new Uint8Array([0x27, 0xff, 0x27]), /^serpent: data is not valid UTF-8$/);
    refused(new Uint8Array([0x27, 0xed, 0xa0, 0x80, 0x27]), /not valid UTF-8/); // an encoded surrogate
    refused("'a\u0000'", /^serpent: data contains a NUL byte$/);
    refused("\ufeff1", /unexpected "\\ufeff1" at offset 0$/); // Python refuses a BOM too
    refused("", /empty input/);
    refused("  \n# only a comment\n", /empty input/);
    refused("\v1", /unexpected/);
  });

  it("refuses malformed literals with the offset", () => {
    refused("('a', ", /unexpected end of input at offset 6$/);
    refused("[1, 'unterminated]", /unterminated string literal at offset 4$/);
    refused("'''never \\' closed", /unterminated string literal at offset 0$/);
    refused("'line\nbreak'", /a line break inside quotes/);
    refused("{'a' 1}", /expected , or }, got "1}" at offset 5$/);
    refused("{'a': }", /unexpected "}" at offset 6$/);
    refused("[1 2]", /expected , or \], got "2\]" at offset 3$/);
    refused("'\\x4'", /truncated \\x escape/);
    refused("'\\u12'", /truncated \\u escape/);
    refused("'\\U0011ffff'", /illegal Unicode character/);
    refused("'\\N{BULLET}'", /\\N\{name\} escapes are not supported/);
    refused("b'\u00e9'", /bytes can only contain ASCII/);
    refused("rb'\\\u00e9'", /bytes can only contain ASCII/);
    refused("'a' b'b'", /cannot mix bytes and str literals/);
    refused("12abc", /invalid number literal/);
    refused("0x", /invalid number literal/);
    refused("0b102", /invalid number literal/);
    refused("1__0", /invalid number literal/);
    refused("0123", /leading zeros/);
    refused("1 2", /unexpected "2" after the expression at offset 2$/);
    refused("'a'\n'b'", /after the expression/); // a line break ends the expression
    refused("\n  1", /unexpected indent at offset 1$/);
    refused("{[1]: {2: 3}, {}: 1}", /unhashable type/);
    refused("{{1}}", /unhashable type/);
  });

  it("refuses int literals longer than Python's 4300 digits without parsing them", () => {
    refused("1".repeat(4301), /an int literal of 4301 digits is more than the 4300/);
    refused("-" + "9".repeat(1_000_000), /an int literal of 1000000 digits/);
    assert.equal(serpent.loads(enc("1" + "0".repeat(4299))), 10n ** 4299n);
    assert.throws(() => serpent.dumps(10n ** 4300n), /more than 4300 digits/);
    assert.equal(serpent.dumps(-(10n ** 4300n - 1n)).length, HEADER.length + 4301);
  });

  it("bounds nesting: 100000 levels of any kind are an error, not a stack overflow", () => {
    const deep = 100_000;
    const cases: Array<[string, string]> = [
      ["[", "]"],
      ["(", ")"],
      ["{'a':", "}"],
      ["{1:", "}"],
      ["{(", ")}"],
      ["[(", ")]"],
      ["-(", ")"],
    ];
    for (const [open, close] of cases) {
      refused(open.repeat(deep) + "1" + close.repeat(deep), /nesting deeper than 1000 levels/);
    }
    // A run of signs is read in a loop, then refused as literal_eval refuses it.
    refused("-".repeat(deep) + "1", /only one sign may stand before a number at offset 1$/);
    // Long flat runs are fine: no recursion per element or per string part.
    const flat = "[" + "1,".repeat(deep) + "]";
    assert.equal((serpent.loads(enc(flat)) as unknown[]).length, deep);
    const parts = "b'ab' ".repeat(deep);
    assert.equal((serpent.loads(enc(parts)) as Uint8Array).length, 2 * deep);
    assert.equal((serpent.loads(enc("'ab' ".repeat(deep))) as string).length, 2 * deep);
  });

  it("honours a smaller maxDepth both ways", () => {
    const shallow = new SerpentSerializer({ maxDepth: 3 });
    assert.deepEqual(shallow.loads(enc("[[[1]]]")), [[[1]]]);
    refused("[[[[1]]]]", /nesting deeper than 3 levels at offset 3$/, shallow);
    refused("((((1))))", /nesting deeper than 3 levels/, shallow);
    assert.equal(new TextDecoder().decode(shallow.dumps([[[[1]]]])), HEADER + "[[[[1]]]]");
    assert.throws(() => shallow.dumps([[[[[1]]]]]), /nesting too deep \(more than 3 levels\)/);
  });

  it("keeps __proto__ and other special keys as own data, touching no prototype", () => {
    const plain = serpent.loads(
      enc("{'__proto__': {'polluted': True}, 'constructor': {'prototype': {'x': 1}}, 'a': 1}"),
    ) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(plain), Object.prototype);
    assert.deepEqual(Object.keys(plain), ["__proto__", "constructor", "a"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(plain, "__proto__")?.value, {
      polluted: true,
    });
    const nested = serpent.loads(enc("[{'x': {'__proto__': [1]}}]")) as Array<
      Record<string, Record<string, unknown>>
    >;
    assert.equal(Object.getPrototypeOf(nested[0].x), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(nested[0].x, "__proto__")?.value, [1]);
    const mixed = serpent.loads(enc("{'__proto__': 1, 2: 3}")) as Map<unknown, unknown>;
    assert.ok(mixed instanceof Map);
    assert.equal(mixed.get("__proto__"), 1);
    const classed = serpent.loads(enc("{'__class__': 'x.Y', '__proto__': {'polluted': True}}"));
    assert.equal(Object.getPrototypeOf(classed), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    // Written back as the same key.
    assert.equal(
      new TextDecoder().decode(serpent.dumps(plain)),
      HEADER + "{'__proto__':{'polluted':True},'constructor':{'prototype':{'x':1}},'a':1}",
    );
  });

  it("leaves a base64 dict with bad data or extra keys as a dict", () => {
    assert.deepEqual(serpent.loads(enc("{'data':'!!!','encoding':'base64'}")), {
      data: "!!!",
      encoding: "base64",
    });
    assert.deepEqual(serpent.loads(enc("{'data':'AA==','encoding':'base64','x':1}")), {
      data: "AA==",
      encoding: "base64",
      x: 1,
    });
    assert.deepEqual(serpent.loads(enc("{'data':1,'encoding':'base64'}")), {
      data: 1,
      encoding: "base64",
    });
  });

  it("refuses calls of the wrong shape", () => {
    for (
      const [text, pattern] of [
        ["('o', 'm', ())", /expected \(object_id, method, vargs, kwargs\)/],
        ["['o', 'm', (), None, 5]", /expected \(object_id, method, vargs, kwargs\)/],
        ["{'o': 1}", /expected \(object_id, method, vargs, kwargs\)/],
        ["(1, 'm', (), None)", /object id and method must be strings/],
        ["('o', None, (), None)", /object id and method must be strings/],
        ["('o', 'm', 5, None)", /vargs must be a list or tuple/],
        ["('o', 'm', (), [1])", /kwargs must be a dict with string keys, or None/],
        ["('o', 'm', (), {1: 2})", /kwargs must be a dict with string keys, or None/],
      ] as const
    ) {
      assert.throws(
        () => serpent.loadsCall(enc(text)),
        (e: Error) => e instanceof SerializeError && pattern.test(e.message),
        text,
      );
    }
  });

  it("refuses to write what Python could not read", () => {
    const circular: unknown[] = [];
    circular.push(circular);
    const circularObject: Record<string, unknown> = {};
    circularObject.self = { back: circularObject };
    const circularMap = new Map<unknown, unknown>();
    circularMap.set("m", circularMap);
    class Node {
      self: Node = this;
    }
    for (const value of [circular, circularObject, circularMap, new Node()]) {
      assert.throws(() => serpent.dumps(value), /circular reference detected/);
    }
    // The same object twice is not a cycle.
    const shared = [1];
    assert.equal(new TextDecoder().decode(serpent.dumps([shared, shared])), HEADER + "[[1],[1]]");
    assert.throws(() => serpent.dumps(() => 1), /cannot serialize a function/);
    assert.throws(() => serpent.dumps([Symbol("s")]), /cannot serialize a symbol/);
    assert.throws(() => serpent.dumps(new Map([[{ a: 1 }, 1]])), /must be hashable/);
    assert.throws(() => serpent.dumps(new Set([new Set()])), /must be hashable/);
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    assert.throws(() => serpent.dumps(deep), /nesting too deep \(more than 1000 levels\)/);
  });
});
