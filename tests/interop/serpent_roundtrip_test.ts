// Live serpent round trips with real Python Pyro5 (tests/fixtures/serializer_peer.py):
// Python's corpus through our decoder and encoder, our writer checked byte for
// byte against Python's (every code point, thousands of floats, a table of
// values), our parser checked against ast.literal_eval on unusual text, and calls.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { pythonFloatRepr } from "../../serializers/pyfloat.ts";
import { SerpentSerializer } from "../../serializers/classes.ts";
import { Complex, PyFloat, tuple } from "../../serializers/types.ts";
import { type LinePeer, startLinePeer } from "../fixtures/python.ts";
import { fromHex, seededRandom, toHex } from "../helpers.ts";

const serpent = new SerpentSerializer();
const HEADER = "# serpent utf-8 python3.2\n";
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);

let peer: LinePeer;

/** Python loads our bytes and dumps the value again. */
async function echo(bytes: Uint8Array): Promise<{ repr: string; type: string; hex: string }> {
  const answer = await peer.request({ op: "echo", ser: "serpent", hex: toHex(bytes) });
  assert.equal(answer.ok, true, answer.error);
  return answer;
}

/** Asserts Python re-encodes each value exactly as we encoded it; batches, then pinpoints. */
async function assertPythonWritesTheSame(values: unknown[], what: string): Promise<void> {
  const ours = serpent.dumps(values);
  const back = await echo(ours);
  if (back.hex === toHex(ours)) return;
  for (const value of values) {
    const one = serpent.dumps(value);
    const python = await echo(one);
    assert.equal(text(fromHex(python.hex)), text(one), `${what}: ${python.repr}`);
  }
  assert.fail(`${what}: the list differs but no single value does`);
}

/**
 * Where we knowingly differ from literal_eval, and why. Everything else in
 * LITERALS must be accepted or refused exactly as Python does.
 */
const KNOWN_DIFFERENCES: Record<string, { python: "accepts" | "refuses"; why: string }> = {
  "'\\N{BULLET}'": {
    python: "accepts",
    why: "\\N{name} needs Unicode's name table, which we do not ship: we refuse it clearly",
  },
  "{[1]:2}": {
    python: "refuses",
    why: "a list is unhashable in Python, but JS arrays stand for lists and tuples alike",
  },
  "{(1,[2]):3}": { python: "refuses", why: "the same, one level down" },
};

/** Text whose meaning ast.literal_eval and our parser must agree on. */
// deno-fmt-ignore
const LITERALS = [
  // numbers
  "0", "00", "0_0", "007", "0123", "0_1", "1__0", "1_", "0_", "1_000", "1_000_000j", "-1_0",
  "0x10", "0X1F", "0x_1", "0x1__2", "0x1_", "0x", "0o17", "0O7", "0o_7", "0o8", "0b1", "0B1",
  "0b_", "0b102", "0xffffffffffffffffffff", "9007199254740991", "9007199254740992",
  "-9007199254740993", "123456789012345", "1234567890123456", "1.e5", ".5", "1.", "1._5", "1e_5",
  "1e5_0", "1_0e1_0", "1.5_5", "0.0_1", "00.5", "09.5", "09j", "1.5e", "1e+", "1E5J", "1e309",
  "-1e30000", "1e30000j", "-1e30000j", "0e0", "-0", "-0.0", "+0", "1_000.000_1", "1.2.3", "1e5.5",
  "0x1.5", "1" + "0".repeat(4299), "1" + "0".repeat(4300),
  // signs and complex numbers: literal_eval's exact operator rules
  "--1", "+-1", "-(1)", "-(-1)", "+(-1)", "-(1+2j)", "+1j", "1+2j", "1-2j", "-1-2j", "(-1)+2j",
  "-(1)+2j", "1+-2j", "1+(2j)", "(1)+(2j)", "1j+1", "1j+2j", "True+1j", "1+2", "1.5+2", "1-2",
  "(1+2j)+3j", "1+2j+3j", "1-0j", "-5+0j", "5-5j", "0j", "+0j", "0-0j", "0.1+0.2j", "-0.5-0.5j",
  "(1e30000+1e30000j)", "(1.0+2.0j)", "10**400", "2**10", "1*2", "-'a'", "+None", "-True", "-[1]",
  "~1", "not 1",
  // strings and bytes
  "'a' 'b'", "'a' # c", "('a' # c\n 'b')", "'a'\\\n'b'", "'a'\n'b'", "u'a' b'b'", "b'a' 'b'",
  "'a' b'b'", "'a' ur'b'", "'a' ub'b'", "'a' Br'b'", "b'a' b'b'", "rb'\\x'", "Rb'a'", "B'a'", "U'a'", "bR'a'", "rB'a'", "bu'a'", "ur'a'",
  "f'a'", "r'\\n'", "r'\\''", "r'\\'", "r'a\\\nb'", "r'''a\r\nb'''", "'\\8'", "'\\777'",
  "b'\\777'", "b'\\u1234'", "'\\x41'", "'\\x4g'", "'\\x4'", "'\\U00110000'", "'\\U0001F600'",
  "'\\u00e9\\U0001F600'", "'\\ud800'", "'\\N{}'", "'\\a\\b\\f\\n\\r\\t\\v\\0\\'\\\"\\\\'",
  "b'\\a\\b\\f\\n\\r\\t\\v\\0\\x80\\xff'", "'''a\nb'''", "'''a\r\nb'''", "'''a\rb'''",
  "'''a\\\r\nb'''", "'a\\\nb'", "'\\\r\nx'", "'''''''", "''''a'''", '"""a"b"""', "'\"'", '"\'"',
  "'\\\"'", "'abc", "'''abc''", "'a'b'", "'a\nb'", "b'\u00e9'", "rb'\\\u00e9'",
  "'h\u00e9 \u{1F600}'",
  // containers
  "()", "(1)", "(1,)", "(,)", "(1 2)", "[,]", "[1,]", "[1,,2]", "[1 2]", "{,}", "{}", "{1:2,}",
  "{1,2,}", "{1:}", "{:1}", "{1:2 3:4}", "{'a':1,'a':2}", "{1:'a',1.0:'b'}",
  "{'2':'x','1':'y',3:'z'}", "{(1,2):3}", "{((1,),):2}", "{1:{2:3}}", "{'a'}", "{'__proto__': 1}",
  "set()", "set( )", "set ()", "set(())", "frozenset()", "{**{}}", "[*()]", "(1,2)+(3,)",
  ...Object.keys(KNOWN_DIFFERENCES), "'a'+'b'", "[1,2,3][0]", "[1][0]", "(1)(2)",
  // whitespace, lines and comments
  "\n1", "1\n\n", "-\n1", "[1,\n2]", "[1,\r2]", "(1\n)", "(\n1\n,\n)", " 1", "\t1", "\f1",
  " \t 1 \t ", "\t\n1", "# c\n1", "1 # c", "\\\n1", "[1,\\\n2]", "\n 1", "# c\n  1", "  # x\n1",
  "\n\n  \n1", "1\n#c\n", "1\n  #c\n", "1\n  \n  2", "1\r", "\r1", "\v1", "1\v", "\ufeff1", "1 2",
  HEADER + "(1,2,)",
  // names and everything else literal_eval refuses
  "None", "True", "False", "TRUE", "none", "None.x", "x", "1 if 1 else 2", "1if 1else 2",
  "lambda: 0", "__import__('os')", "[x for x in ()]", "(x:=1)", "{'a': b}", "1;2",
];

describe("serpent with real Python Pyro5", () => {
  before(() => {
    peer = startLinePeer("serializer_peer.py");
  });
  after(() => peer.close());

  it("decodes Python's corpus, re-encodes it byte for byte, and Python finds it equal", async () => {
    const corpus = await peer.request({ op: "corpus", ser: "serpent" });
    assert.equal(corpus.ok, true, corpus.error);
    // A tuple decodes as a plain array (the type mapping), so it goes back as a list.
    const reencodedAsList = new Set(["tuple"]);
    let identical = 0;
    for (const item of corpus.values) {
      const value = serpent.loads(fromHex(item.hex));
      const again = serpent.dumps(value);
      const check = await peer.request({
        op: "check",
        ser: "serpent",
        name: item.name,
        hex: toHex(again),
      });
      assert.equal(check.ok, true, `${item.name}: ${check.error}`);
      assert.equal(check.equal, true, `${item.name}: ${check.repr} != ${check.expected}`);
      if (reencodedAsList.has(item.name)) {
        assert.notEqual(toHex(again), item.hex, item.name);
        continue;
      }
      assert.equal(text(again), text(fromHex(item.hex)), item.name);
      identical++;
    }
    assert.equal(identical, corpus.values.length - reencodedAsList.size);
  });

  it("parses unusual text exactly as ast.literal_eval accepts or refuses it", async () => {
    let agreed = 0;
    for (const literal of LITERALS) {
      const answer = await peer.request({ op: "echo", ser: "serpent", hex: toHex(enc(literal)) });
      let ours: unknown;
      let error: Error | null = null;
      try {
        ours = serpent.loads(enc(literal));
      } catch (e) {
        error = e as Error;
        assert.equal(error.name, "SerializeError", `${JSON.stringify(literal)}: ${error}`);
        assert.match(error.message, /at offset \d+$|NUL|UTF-8/, JSON.stringify(literal));
      }
      const what = `${JSON.stringify(literal)}: Python ${
        answer.ok ? "gave " + answer.repr : "refused (" + answer.error + ")"
      }, we ${error ? "refused (" + error.message + ")" : "accepted"}`;
      const known = KNOWN_DIFFERENCES[literal];
      if (known) {
        assert.equal(answer.ok, known.python === "accepts", what);
        assert.equal(error === null, !answer.ok, `${what}; ${known.why}`);
        continue;
      }
      assert.equal(error === null, answer.ok, what);
      if (answer.ok) {
        // Python's own re-encoding, read by us, is the same value, except where
        // serpent's writing loses something Python's value had:
        if (answer.repr === "set()") assert.deepEqual(ours, new Set(), what);
        else if (answer.type === "complex") {
          // serpent writes complex numbers as (a+bj), which loses the sign of a zero part
          const z = ours as Complex;
          assert.ok(z instanceof Complex, what);
          assert.equal(answer.repr, pyComplexRepr(z), what);
        } else assert.deepEqual(ours, serpent.loads(fromHex(answer.hex)), what);
      }
      agreed++;
    }
    assert.equal(agreed, LITERALS.length - Object.keys(KNOWN_DIFFERENCES).length);
  });

  it("writes every code point as Python's repr does", async () => {
    // All of Unicode, in strings of 4096 code points; lone surrogates on their own.
    for (let start = 0; start < 0x110000; start += 0x10000) {
      const strings: string[] = [];
      for (let chunk = start; chunk < start + 0x10000; chunk += 4096) {
        let s = "";
        for (let cp = chunk; cp < chunk + 4096; cp++) {
          // A high surrogate followed by a low one would make a pair: keep them apart.
          s += cp >= 0xd800 && cp <= 0xdfff
            ? String.fromCharCode(cp) + "."
            : String.fromCodePoint(cp);
        }
        strings.push(s);
      }
      await assertPythonWritesTheSame(strings, `code points from U+${start.toString(16)}`);
    }
  });

  it("writes random strings, with every kind of quote and escape, as Python's repr does", async () => {
    const rnd = seededRandom(2024);
    const pools = [
      () => " !\"#'\\abc\t\n\r\x00\x7f\x1b"[Math.floor(rnd() * 16)],
      () => String.fromCodePoint(0x80 + Math.floor(rnd() * 0x180)),
      () => String.fromCodePoint(Math.floor(rnd() * 0xd800)),
      () => String.fromCodePoint(0x10000 + Math.floor(rnd() * 0x100000)),
      () => String.fromCharCode(0xd800 + Math.floor(rnd() * 0x800)),
      () =>
        ["\u2028", "\u2029", "\u00a0", "\u00ad", "\ufeff", "\u3000", "\u{e0001}"][
          Math.floor(rnd() * 7)
        ],
    ];
    const strings: string[] = [];
    for (let n = 0; n < 3000; n++) {
      let s = "";
      const length = Math.floor(rnd() * 12);
      for (let i = 0; i < length; i++) s += pools[Math.floor(rnd() * pools.length)]();
      strings.push(s);
    }
    await assertPythonWritesTheSame(strings, "random strings");
  });

  it("writes floats as Python's repr does: random bit patterns and decimal values", async () => {
    const rnd = seededRandom(53);
    const view = new DataView(new ArrayBuffer(8));
    const floats: unknown[] = [
      0.1,
      -2.5,
      1e16,
      1e-5,
      1e-4,
      9.999999999999999e-5,
      9999999999999998,
      1e22,
      1e21,
      5e-324,
      1.7976931348623157e308,
      2 ** 53 + 2,
      123456.789,
      new PyFloat(3),
      new PyFloat(-0),
      new PyFloat(1e16),
      -0,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (let n = 0; n < 5000; n++) {
      if (n % 2) {
        view.setUint32(0, Math.floor(rnd() * 2 ** 32));
        view.setUint32(4, Math.floor(rnd() * 2 ** 32));
        const bits = view.getFloat64(0);
        if (bits === bits && !Number.isSafeInteger(bits)) floats.push(bits);
      } else floats.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 44 - 22));
    }
    await assertPythonWritesTheSame(floats, "floats");
  });

  it("sends values Python reads with the expected repr and writes back byte for byte", async () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 150; i++) deep = [deep];
    const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const b64 = btoa(String.fromCharCode(...allBytes));
    const cases: Array<[string, unknown, string]> = [
      ["nesting 150 deep", deep, "[".repeat(150) + "'leaf'" + "]".repeat(150)],
      ["empty containers", [[], {}, "", tuple(), new Set(), new Map()], "[[], {}, '', (), (), {}]"],
      ["unicode outside the BMP", "\u{1F600}\u{10348}\u{E0001}", "'\u{1F600}\u{10348}\\U000e0001'"],
      [
        "ints around 2^53",
        [2 ** 53 - 1, 2n ** 53n, 2n ** 53n + 1n, -(2 ** 53) + 1, -(2n ** 53n), -(2n ** 53n) - 1n],
        "[9007199254740991, 9007199254740992, 9007199254740993, -9007199254740991, " +
        "-9007199254740992, -9007199254740993]",
      ],
      [
        "ints around 2^64",
        [2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n)],
        "[9223372036854775807, 9223372036854775808, -9223372036854775809, " +
        "18446744073709551615, 18446744073709551616, -18446744073709551616]",
      ],
      ["a huge int", 3n ** 2000n, String(3n ** 2000n)],
      ["negative zero", -0, "-0.0"],
      ["nan, inf and -inf", [NaN, Infinity, -Infinity], "[nan, inf, -inf]"],
      ["integral floats", [new PyFloat(3), 1e16, 1e300], "[3.0, 1e+16, 1e+300]"],
      ["bytes 0-255", allBytes, `{'data': '${b64}', 'encoding': 'base64'}`],
      ["empty bytes", new ArrayBuffer(0), "{'data': '', 'encoding': 'base64'}"],
      [
        "a DataView",
        new DataView(allBytes.buffer, 65, 2),
        "{'data': 'QUI=', 'encoding': 'base64'}",
      ],
      ["typed arrays", [new Int32Array([1, -2]), new Float64Array([0.5])], "[[1, -2], [0.5]]"],
      ["a set", new Set([1, 2, 3]), "{1, 2, 3}"],
      // Python orders a set by hash (strings' hashes differ per process): no repr, no bytes.
      ["a mixed set", new Set([3, "a", tuple(1, 2), 2n ** 64n]), ""],
      [
        "a map with mixed keys",
        new Map<unknown, unknown>([
          [1, "int"],
          ["s", "str"],
          [2.5, "float"],
          [[1, [2, 3]], "nested tuple"],
          [false, "bool"],
          [2n ** 70n, "big"],
        ]),
        "{1: 'int', 's': 'str', 2.5: 'float', (1, (2, 3)): 'nested tuple', False: 'bool', " +
        "1180591620717411303424: 'big'}",
      ],
      ["complex", [new Complex(1.5, -2), new Complex(0, 1e300)], "[(1.5-2j), 1e+300j]"],
      ["a date", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), "'2024-01-02T03:04:05.006000+00:00'"],
      [
        "a __proto__ key",
        JSON.parse('{"__proto__": 1, "a": [true, null]}'),
        "{'__proto__': 1, 'a': [True, None]}",
      ],
      ["tricky strings", ["it's", 'say "hi"', `'"`, "\\"], `["it's", 'say "hi"', '\\'"', '\\\\']`],
    ];
    for (const [label, value, repr] of cases) {
      const ours = serpent.dumps(value);
      const python = await echo(ours);
      if (repr) {
        assert.equal(python.repr, repr, label);
        assert.equal(text(fromHex(python.hex)), asPythonRewritesIt(text(ours)), label);
      }
      const back = serpent.loads(fromHex(python.hex));
      assert.deepEqual(back, serpent.loads(ours), label);
    }
  });

  it("sends b'' literals (bytesRepr) that Python reads as bytes", async () => {
    const withRepr = new SerpentSerializer({ bytesRepr: true });
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const python = await echo(withRepr.dumps([bytes, new Uint8Array([0x27]), new Uint8Array()]));
    assert.equal(python.type, "list");
    assert.match(python.repr, /^\[b'\\xff\\xfe.*\\x00', b"'", b''\]$/);
    assert.deepEqual(serpent.loads(fromHex(python.hex)), [
      bytes,
      new Uint8Array([0x27]),
      new Uint8Array(),
    ]);
  });

  it("sends calls Python reads, and reads Python's calls, byte for byte", async () => {
    const calls: Array<[string, string, unknown[], Record<string, unknown> | null, string]> = [
      [
        "obj_1",
        "add",
        tuple(1, "x"),
        { b: 2n ** 64n },
        "('obj_1', 'add', (1, 'x'), {'b': 18446744073709551616})",
      ],
      ["Pyro.NameServer", "list", tuple(), null, "('Pyro.NameServer', 'list', (), None)"],
      ["o", "one", tuple([1]), {}, "('o', 'one', ([1],), {})"],
      ["o", "m", [new Uint8Array([1])], { "é": -0 }, "('o', 'm', [b'\\x01'], {'é': -0.0})"],
    ];
    for (const [objectId, method, vargs, kwargs, repr] of calls) {
      const ours = serpent.dumpsCall(objectId, method, vargs, kwargs);
      const answer = await peer.request({ op: "echocall", ser: "serpent", hex: toHex(ours) });
      assert.equal(answer.ok, true, answer.error);
      assert.equal(
        answer.repr,
        repr.replace("[b'\\x01']", "[{'data': 'AQ==', 'encoding': 'base64'}]"),
      );
      assert.equal(text(fromHex(answer.hex)), asPythonRewritesIt(text(ours)), method);
      assert.deepEqual(serpent.loadsCall(fromHex(answer.hex)), {
        objectId,
        method,
        vargs: [...vargs],
        kwargs,
      });
    }
  });
});

/**
 * Pyro5 hands serpent's bytes dict to Python code as a dict, so Python writes
 * it back as any dict, without the spaces of serpent's bytes form.
 */
function asPythonRewritesIt(serpentText: string): string {
  return serpentText.replace(
    /\{'data': '([A-Za-z0-9+/=]*)', 'encoding': 'base64'\}/g,
    "{'data':'$1','encoding':'base64'}",
  );
}

/** Python's repr of a complex number: float reprs without a trailing ".0". */
function pyComplexRepr(z: Complex): string {
  const part = (x: number) =>
    x !== x
      ? "nan"
      : Math.abs(x) === Infinity
      ? (x < 0 ? "-inf" : "inf")
      : pythonFloatRepr(x).replace(/\.0$/, "");
  const im = part(z.im);
  if (Object.is(z.re, 0)) return `${im}j`;
  return `(${part(z.re)}${im.startsWith("-") ? "" : "+"}${im}j)`;
}
