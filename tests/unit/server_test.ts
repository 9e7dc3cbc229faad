// Our Proxy against our Daemon, in-process: over TCP with every serializer, and
// over an in-memory transport; plus exposure rules and the decorator forms.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchProxy, callOptions, kwargs, Proxy } from "../../client.ts";
import { Daemon, expose, exposedMembers, oneway } from "../../server.ts";
import { AttributeError, NamingError, RemoteError } from "../../errors.ts";
import { currentContext } from "../../context.ts";
import { memoryTransport } from "../../transport/mod.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { encodeMessage, FrameDecoder, MsgType } from "../../protocol/mod.ts";
import { closedGenerators, fired, registerAll } from "../fixtures/ts_service.ts";
import { loopbackDaemon } from "../helpers.ts";

describe("our Proxy against our Daemon", () => {
  let daemon: Daemon;
  before(async () => {
    daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    registerAll(daemon);
  });
  after(() => daemon.close());

  for (const serializer of ["serpent", "json", "marshal", "msgpack"] as const) {
    it(`calls, streams, batches and fails with ${serializer}`, async () => {
      await using p = new Proxy(daemon.uriFor("test.service"), { serializer });
      assert.equal(await p.echo("x"), "x");
      assert.equal(await p.add(1, kwargs({ b: 2 })), 3);
      assert.equal(await p.value, 7);
      const items: unknown[] = [];
      for await (const item of await p.gen(3)) items.push(item);
      assert.deepEqual(items, ["item-0", "item-1", "item-2"]);
      const numbers: unknown[] = [];
      for await (const n of await p.agen(2)) numbers.push(n);
      assert.deepEqual(numbers, [0, 10]);
      const before = closedGenerators.count;
      for await (const _ of await p.gen(100)) break;
      assert.equal(await p.closedGenerators(), before + 1);
      await assert.rejects(
        p.fail(),
        (e: Error) =>
          e instanceof RemoteError && e.pythonClass === "builtins.ValueError" &&
          e.message === "out of range",
      );
      await assert.rejects(p.failPyro(), NamingError);
      const batch = new BatchProxy(p);
      batch.echo(1);
      batch.fail();
      const results = (await batch())!;
      assert.equal(results.results.length, 2);
      assert.throws(() => results.toArray(), /out of range/);
      fired.length = 0;
      await p.fire("f");
      assert.deepEqual(await p.fired(), ["f"]);
      const id = crypto.randomUUID();
      assert.equal(await p.correlation(callOptions({ correlationId: id })), id);
      assert.equal(p._pyroLastReply.correlationId, id);
      const other = await p.getOther();
      assert.equal(await other.hello(), "hello from other");
      await other._pyroRelease();
    });
  }

  it("answers an iterator with Pyro5's marker when streaming is off, and names no stream", async () => {
    const plain = await loopbackDaemon({ ITER_STREAMING: false });
    try {
      registerAll(plain);
      await using p = new Proxy(plain.uriFor("test.service"), { serializer: "msgpack" });
      await assert.rejects(p.gen(3), /not configured to allow streaming/);
      assert.equal(p._pyroLastReply.annotations.STRM, undefined);
      assert.equal(await p.echo("still serving"), "still serving");
    } finally {
      await plain.close();
    }
  });

  it("sends large results intact call after call (their memory is released after each write)", async () => {
    const big = Uint8Array.from({ length: 3 << 20 }, (_, i) => (i * 31) & 0xff);
    for (const serializer of ["msgpack", "marshal"] as const) {
      await using p = new Proxy(daemon.uriFor("test.service"), { serializer });
      for (let i = 0; i < 3; i++) {
        const back = (await p.echo(big)) as Uint8Array;
        assert.equal(back.length, big.length);
        assert.ok(back.every((b, j) => b === big[j]), `${serializer} call ${i}: bytes differ`);
      }
      assert.equal(big.byteLength, 3 << 20, "the caller's array is untouched");
    }
  });

  it("writes large bytes from the arrays that hold them, which stay whole and unchanged", async () => {
    const held = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 0xff);
    const copy = held.slice();
    class Holder {
      get() {
        return { data: held, tail: "after the bytes" };
      }
      sum(data: Uint8Array) {
        return data.reduce((a, b) => a + b, 0);
      }
    }
    expose(Holder);
    const uri = daemon.register(new Holder(), "test.holder");
    try {
      for (const serializer of ["msgpack", "marshal"] as const) {
        await using p = new Proxy(uri, { serializer });
        const [first, second] = await Promise.all([p.get(), p.get()]) as Array<
          { data: Uint8Array; tail: string }
        >;
        for (const got of [first, second]) {
          assert.deepEqual(got.data, copy);
          assert.equal(got.tail, "after the bytes");
        }
        assert.deepEqual(held, copy, `${serializer}: the method's array is whole after the reply`);
        const arg = copy.slice();
        assert.equal(await p.sum(arg), copy.reduce((a, b) => a + b, 0));
        assert.deepEqual(arg, copy, `${serializer}: the caller's argument is whole after the call`);
      }
    } finally {
      daemon.unregister("test.holder");
    }
  });

  it("pipelines many calls on one connection, answered in order", async () => {
    await using p = new Proxy(daemon.uriFor("test.service"), { serializer: "msgpack" });
    const n = 500;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => p.echo(i)));
    assert.deepEqual(results, Array.from({ length: n }, (_, i) => i));
  });

  it("passes a call's correlation id on to the calls it makes", async () => {
    await using p = new Proxy(daemon.uriFor("test.service"));
    const id = crypto.randomUUID();
    currentContext.correlationId = id;
    try {
      const callback = { notify: (_what: unknown) => currentContext.correlationId };
      expose(callback);
      const uri = daemon.register(callback);
      try {
        await using cb = new Proxy(uri);
        assert.equal(await p.callMeBack(cb, "x"), id);
      } finally {
        daemon.unregister(callback);
      }
    } finally {
      currentContext.correlationId = null;
    }
  });

  it("refuses what is not exposed", async () => {
    await using p = new Proxy(daemon.uriFor("test.service"));
    await p._pyroBind();
    for (
      const name of [
        "_private",
        "constructor",
        "toString",
        "__proto__",
        "then",
        "secretField",
        "hasOwnProperty",
      ]
    ) {
      await assert.rejects(
        p._pyroInvoke(name, [], {}),
        (e: Error) => e instanceof RemoteError && e.pythonClass === "builtins.AttributeError",
        name,
      );
    }
    await assert.rejects(
      p._pyroInvoke("__getattr__", ["secretField"], null),
      /unexposed or unknown remote attribute/,
    );
    await assert.rejects(p.nope(), AttributeError);
  });
});

describe("exposure", () => {
  it("exposes classes, named members, fields and plain objects, never _ names or the object model", () => {
    class Base {
      inherited() {}
    }
    class C extends Base {
      field = 1;
      method() {}
      get prop() {
        return 1;
      }
      _hidden() {}
      override toString() {
        return "c";
      }
    }
    assert.deepEqual(exposedMembers(C), {
      methods: new Set(),
      oneway: new Set(),
      attrs: new Set(),
    });
    expose(C);
    oneway(C, "method");
    const meta = exposedMembers(new C());
    assert.deepEqual(meta.methods, new Set(["method", "inherited"]));
    assert.deepEqual(meta.oneway, new Set(["method"]));
    assert.deepEqual(meta.attrs, new Set(["prop"]));
    class D {
      count = 0;
      a() {}
      b() {}
    }
    expose(D, "a", "count");
    assert.deepEqual(exposedMembers(D), {
      methods: new Set(["a"]),
      oneway: new Set(),
      attrs: new Set(["count"]),
    });
    // The names as one array, as in Pyro5 users' habits: expose(Calc, ["add", "div"]).
    class Calc {
      add() {}
      div() {}
      mul() {}
      log() {}
    }
    expose(Calc, ["add", "div", "log"]);
    oneway(Calc, ["log"]);
    assert.deepEqual(exposedMembers(Calc), {
      methods: new Set(["add", "div", "log"]),
      oneway: new Set(["log"]),
      attrs: new Set(),
    });
    assert.throws(() => expose(Calc, ["_x"]), /never exposed/);
    const plain = expose({ hi: () => "hi", _no: () => 0 });
    assert.deepEqual(exposedMembers(plain).methods, new Set(["hi"]));
    assert.throws(() => expose(D, "_x"), /never exposed/);
    assert.throws(() => expose(D, "constructor"), /object model/);
  });

  it("works as TC39 decorators", () => {
    // Called the way a runtime calls decorators (Node 24 cannot parse decorator syntax yet).
    class E {
      m() {}
      n() {}
      get g() {
        return 1;
      }
    }
    const proto = E.prototype as unknown as Record<string, () => void>;
    expose(proto.m, { kind: "method", name: "m" });
    oneway(proto.m, { kind: "method", name: "m" });
    expose(Object.getOwnPropertyDescriptor(E.prototype, "g")!.get!, { kind: "getter", name: "g" });
    assert.deepEqual(exposedMembers(E), {
      methods: new Set(["m"]),
      oneway: new Set(["m"]),
      attrs: new Set(["g"]),
    });
    class F {
      x() {}
    }
    expose(F, { kind: "class", name: "F" });
    assert.deepEqual(exposedMembers(F).methods, new Set(["x"]));
  });
});

describe("daemon over an in-memory transport", () => {
  it("serves a proxy that uses the same transport", async () => {
    const transport = memoryTransport();
    await using daemon = await Daemon.create({ transport, unixSocket: "mem-daemon" });
    registerAll(daemon);
    await using p = new Proxy(daemon.uriFor("test.service"), { transport });
    assert.equal(await p.echo("in memory"), "in memory");
  });
});

describe("daemon replies to pipelined calls", () => {
  it("sends a burst's replies in writes of at most 16, in order, so the client can start on them", async () => {
    const transport = memoryTransport();
    await using daemon = await Daemon.create({ transport, unixsocket: "mem-burst" });
    registerAll(daemon);
    const msgpack = getSerializer("msgpack");
    const conn = await transport.connect({ path: "mem-burst" });
    const decoder = new FrameDecoder();
    const reader = conn.readable.getReader();
    await conn.write(encodeMessage({
      type: MsgType.CONNECT,
      serializerId: msgpack.id,
      seq: 0,
      payload: msgpack.dumps({ handshake: "hello", object: "test.service" }),
    }));
    const [connected] = decoder.push((await reader.read()).value!);
    assert.equal(connected.type, MsgType.CONNECTOK);
    const burst = Array.from({ length: 40 }, (_, seq) =>
      encodeMessage({
        type: MsgType.INVOKE,
        serializerId: msgpack.id,
        seq,
        payload: msgpack.dumpsCall("test.service", "echo", [seq], null),
      }));
    await conn.write(Uint8Array.from(burst.flatMap((m) => [...m])));
    const perWrite: number[] = [];
    const seqs: number[] = [];
    while (seqs.length < 40) {
      const messages = decoder.push((await reader.read()).value!);
      perWrite.push(messages.length);
      for (const m of messages) {
        seqs.push(m.seq);
        assert.equal(msgpack.loads(m.payload), m.seq);
      }
    }
    assert.deepEqual(seqs, burst.map((_, seq) => seq));
    assert.deepEqual(perWrite, [16, 16, 8]);
    await conn.close();
  });

  it("keeps a reply whole when the daemon's annotations serialize with the same serializer", async () => {
    const msgpack = getSerializer("msgpack");
    class Annotating extends Daemon {
      override annotations() {
        // User code that runs while a reply is being made, using the shared serializer.
        return { XTRA: msgpack.dumps(["daemon", "annotation", 12345]) };
      }
    }
    const transport = memoryTransport();
    await using daemon = await Annotating.create({ transport, unixSocket: "mem-annot" });
    registerAll(daemon);
    await using p = new Proxy(daemon.uriFor("test.service"), { transport, serializer: "msgpack" });
    assert.deepEqual(await p.echo(["the", "result"]), ["the", "result"]);
    assert.deepEqual(msgpack.loads(p._pyroLastReply.annotations.XTRA), [
      "daemon",
      "annotation",
      12345,
    ]);
  });
});
