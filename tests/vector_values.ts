/**
 * Turns the Python reprs in the serializer vectors into JavaScript values:
 * the `python` column into the value to encode (per the README's type
 * mapping), the `loads` column into what decoding must give.
 */
import assert from "node:assert/strict";
import { NamingError, RemoteError } from "../errors.ts";
import type { Serializer } from "../serializers/types.ts";
import { fromHex, toHex } from "./helpers.ts";
import { SerpentParser } from "../serializers/serpent_parser.ts";
import { Complex, PyFloat } from "../serializers/types.ts";
import { fromBase64 } from "../serializers/text.ts";

/** One value row of tests/vectors/serializer_*.json. */
export interface ValueRow {
  name: string;
  python: string;
  hex?: string;
  loads?: string;
  loads_type?: string;
  loads_error?: string;
  dumps_error?: string;
}

/** Parses Python literal text (a repr) with tuples marked, classes left as dicts. */
export function literal(text: string, markTuples = true): unknown {
  return new SerpentParser(text, { markTuples, convertClasses: false }).parse();
}

/** What can not be built in JavaScript, by row name, with the reason. */
export const NOT_REPRESENTABLE: Record<string, string> = {
  "datetime naive": "a JS Date is an instant: it has no naive datetime and no microseconds",
  "datetime no micros": "a JS Date is an instant: it has no naive datetime",
  "date": "JavaScript has no date-only type",
  "time": "JavaScript has no time-of-day type",
  "timedelta": "JavaScript has no duration type",
};

/**
 * The JavaScript value that stands for a row's Python input, or a reason
 * why there is none.
 */
export function inputValue(row: ValueRow): { value: unknown } | { skip: string } {
  if (row.name in NOT_REPRESENTABLE) return { skip: NOT_REPRESENTABLE[row.name] };
  switch (row.python) {
    case "nan":
      return { value: NaN };
    case "inf":
      return { value: Infinity };
    case "-inf":
      return { value: -Infinity };
    case "bytearray(b'xy')":
      return { value: new Uint8Array([0x78, 0x79]) };
    case "frozenset({5})":
      return { value: new Set([5]) };
    case "Decimal('1.10')":
      return { value: "1.10" };
    case "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)":
      return { value: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) };
    case "UUID('12345678-1234-5678-1234-567812345678')":
      return { value: "12345678-1234-5678-1234-567812345678" };
    case "array('i', [1, 2, 3])":
      return { value: new Int32Array([1, 2, 3]) };
    case "array('u', 'hi')":
      return { value: "hi" };
    case "<__main__.PlainClass object at 0x..>":
      return { value: { a: 1, b: "two", __class__: "__main__.PlainClass" } };
    case "ValueError('boom')":
      return { value: Object.assign(new Error("boom"), { pythonClass: "builtins.ValueError" }) };
    case "ValueError('bad value', 42)":
      return {
        value: new RemoteError("builtins.ValueError", ["bad value", 42], {
          extra: "custom attribute",
        }),
      };
    case "NamingError('unknown name: x')":
      return { value: new NamingError("unknown name: x") };
    case "CustomError('c')":
      return { value: new RemoteError("__main__.CustomError", ["c"]) };
  }
  // An integral float must stay a float: PyFloat says so.
  if (/^-?\d+\.0$/.test(row.python)) return { value: new PyFloat(Number(row.python)) };
  return { value: literal(row.python) };
}

/** What decoding the row's bytes must give, from the `loads` repr. */
export function expectedValue(row: ValueRow): unknown {
  const text = row.loads!;
  switch (text) {
    case "nan":
      return NaN;
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "set()":
      return new Set();
  }
  // Pyro5 hands the base64 dict to Python code; we decode it to bytes (README).
  const b64 = /^\{'data': '([A-Za-z0-9+/=]*)', 'encoding': 'base64'\}$/.exec(text);
  if (b64) return fromBase64(b64[1]);
  const frozen = /^frozenset\((.*)\)$/.exec(text);
  if (frozen) return literal(frozen[1], false);
  const complex = /^\((-?[\d.e+]+)([+-][\d.e+]+)j\)$/.exec(text);
  if (complex) return new Complex(Number(complex[1]), Number(complex[2]));
  return literal(text, false);
}

/** For exception rows: the class name and args the decoded error must have. */
export function expectedError(row: ValueRow): { name: string; args: unknown[] } | null {
  const m = /^(\w+)\((.*)\)$/.exec(row.loads ?? "");
  if (!m || !/Error$/.test(row.loads_type ?? "")) return null;
  return { name: m[1], args: literal(`(${m[2]},)`, false) as unknown[] };
}

/** A call vector row: the call as Python wrote it, its bytes, and what `loadsCall` gives. */
export interface CallRow {
  name: string;
  python: string;
  hex: string;
  loadsCall?: string;
}

type CallTuple = [string, string, unknown[], Record<string, unknown> | null];

/**
 * Asserts that `serializer` decodes each call vector as Python's fields and encodes the same
 * call again to bytes `same` as Python's.
 */
export function assertCallVectors(
  serializer: Serializer,
  rows: CallRow[],
  same: (ours: string, python: string) => boolean = (a, b) => a === b,
): void {
  for (const row of rows) {
    if (!row.hex) continue;
    const call = serializer.loadsCall(fromHex(row.hex));
    const [objectId, method, vargs, kwargs] = literal(row.loadsCall!, false) as CallTuple;
    assert.deepEqual(call, { objectId, method, vargs, kwargs }, row.name);
    const again = toHex(serializer.dumpsCall(...literal(row.python) as CallTuple));
    assert.ok(same(again, row.hex), `${row.name}: ${again} is not ${row.hex}`);
  }
}
