// A class converter that calls the serializer it is converting for (issue 14): the inner dump
// must not touch the outer one's buffer. Before the facade, only marshal had a guard; msgpack's
// encoder started again at offset 0 and the outer message came out corrupt.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  classToDict,
  type Codec,
  type Format,
  FORMATS,
  FormatSerializer,
  getSerializer,
  JsonSerializer,
  MarshalSerializer,
  MsgpackSerializer,
  type OutgoingCall,
  registerClassToDict,
  type Serializer,
  SerpentSerializer,
  unregisterClassToDict,
} from "../../serializers/mod.ts";
import { defaultConfig } from "../../config.ts";
import { serializerFor } from "../../serializers/configured.ts";

/** Converted by a converter that dumps and loads with `serializer` while the outer dump runs. */
class Nested {
  serializer: Serializer;
  constructor(serializer: Serializer) {
    this.serializer = serializer;
  }
}
// Large enough that an inner dump that reused the outer buffer would overwrite what is written.
const INNER = { words: Array.from({ length: 50 }, (_, i) => `word ${i}`), n: 2 ** 40 };

registerClassToDict(Nested, (obj: Nested) => {
  const s = obj.serializer;
  // Every dump path, re-entrantly, each read back: the converter sends what it read.
  const copy = s.loads(s.dumps(INNER));
  const transient = s.dumpsTransient!(INNER);
  const part = transient instanceof Uint8Array ? transient.slice() : transient[0];
  const call = s.loadsCall(s.dumpsCall("inner", "m", [1], {}));
  return { __class__: "test.Nested", copy, again: s.loads(part), method: call.method };
});
after(() => unregisterClassToDict(Nested));

/** The outer value: something before, the converted object in the middle, something after. */
function outer(s: Serializer): unknown[] {
  return ["before", new Nested(s), { after: "x".repeat(300) }];
}
/** What the outer value must serialize as: the same with the converter's dict written out. */
function expected(): unknown[] {
  return ["before", {
    __class__: "test.Nested",
    copy: INNER,
    again: INNER,
    method: "m",
  }, { after: "x".repeat(300) }];
}

const serializers: Array<[string, () => Serializer]> = [
  ...FORMATS.map((f) =>
    [`getSerializer("${f.name}")`, () => getSerializer(f.name)] as [string, () => Serializer]
  ),
  ["new SerpentSerializer({ bytesRepr: true })", () => new SerpentSerializer({ bytesRepr: true })],
  ["new MarshalSerializer()", () => new MarshalSerializer()],
  ["new JsonSerializer()", () => new JsonSerializer()],
  ["new MsgpackSerializer({ maxDepth: 50 })", () => new MsgpackSerializer({ maxDepth: 50 })],
  ...FORMATS.map((f) =>
    [`serializerFor(config, "${f.name}")`, () => serializerFor(defaultConfig(), f.name)] as [
      string,
      () => Serializer,
    ]
  ),
];

describe("a class converter that calls the same serializer", () => {
  for (const [label, make] of serializers) {
    it(`${label}: dumps, dumpsTransient, dumpsCall and dumpsCallTransient stay whole`, () => {
      const s = make();
      const plain = s.dumps(expected());
      assert.deepEqual(s.dumps(outer(s)), plain);
      const transient = s.dumpsTransient!(outer(s));
      assert.ok(transient instanceof Uint8Array);
      assert.deepEqual(transient.slice(), plain);
      assert.deepEqual(s.loads(plain), s.loads(s.dumps(expected())));
      const call = s.loadsCall(s.dumpsCall("obj", "method", outer(s), { k: new Nested(s) }));
      const callTransient = s.dumpsCallTransient!("obj", "method", outer(s), { k: new Nested(s) });
      assert.ok(callTransient instanceof Uint8Array);
      const shape = (c: typeof call) => JSON.stringify([c.objectId, c.method, c.vargs, c.kwargs]);
      assert.equal(shape(call), shape(s.loadsCall(callTransient.slice())));
      assert.equal(
        shape(call),
        shape(s.loadsCall(s.dumpsCall("obj", "method", expected(), { k: expected()[1] }))),
      );
    });
  }

  it("nests more than one level deep", () => {
    const s = getSerializer("msgpack");
    class Twice {}
    registerClassToDict(
      Twice,
      () => ({ __class__: "test.Twice", inner: s.loads(s.dumps([new Nested(s)])) }),
    );
    try {
      assert.deepEqual(
        s.loads(s.dumps([1, new Twice(), 2])),
        s.loads(s.dumps([1, { __class__: "test.Twice", inner: [expected()[1]] }, 2])),
      );
    } finally {
      unregisterClassToDict(Twice);
    }
  });
});

describe("a format added through the table's mechanism", () => {
  // A toy format: JSON text behind one reused buffer, to show that a format file only gives a
  // codec, and the facade adds the Serializer methods and the guard.
  const toyReplacer = (_key: string, v: unknown) => v instanceof Nested ? classToDict(v) : v;
  class ToyCodec implements Codec {
    #buf = new Uint8Array(1 << 16);
    dumps(value: unknown, transient: boolean): Uint8Array {
      const { written } = new TextEncoder().encodeInto(
        JSON.stringify(value, toyReplacer),
        this.#buf,
      );
      return transient ? this.#buf.subarray(0, written) : this.#buf.slice(0, written);
    }
    loads(data: Uint8Array): unknown {
      return JSON.parse(new TextDecoder().decode(data));
    }
    dumpsCall(call: OutgoingCall, transient: boolean): Uint8Array {
      return this.dumps(
        { o: call.objectId, m: call.method, v: call.vargs, k: call.kwargs },
        transient,
      );
    }
    loadsCall(data: Uint8Array) {
      const { o, m, v, k } = this.loads(data) as Record<string, never>;
      return { objectId: o, method: m, vargs: v, kwargs: k };
    }
  }
  const toy: Format<"toy"> = { id: 99, name: "toy", codec: () => new ToyCodec() };

  it("gets the Serializer methods and the re-entrancy guard from the facade", () => {
    const s = new FormatSerializer(toy);
    assert.equal(s.name, "toy");
    assert.equal(s.id, 99);
    const nested = s as unknown as Serializer;
    assert.deepEqual(
      s.loads(s.dumpsTransient(outer(nested)) as Uint8Array),
      s.loads(s.dumps(expected())),
    );
    assert.deepEqual(s.loadsCall(s.dumpsCall("o", "m", [1], null)), {
      objectId: "o",
      method: "m",
      vargs: [1],
      kwargs: null,
    });
  });
});
