// Our Proxy against real Python Pyro5 daemons (tests/fixtures/test_daemon.py),
// thread and multiplex server types, every serializer that can carry the feature.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BatchProxy,
  callOptions,
  type ItemStream,
  kwargs,
  Proxy,
  ProxyCore,
  setRemoteAttr,
} from "../../client.ts";
import {
  AttributeError,
  CommunicationError,
  getPyroTraceback,
  NamingError,
  RemoteError,
  TimeoutError,
} from "../../errors.ts";
import { currentContext } from "../../context.ts";
import { registerDictToClass, unregisterDictToClass } from "../../serializers/registry.ts";
import { type PythonServer, startPythonServer, withPythonServer } from "../fixtures/python.ts";
import { socketPath } from "../helpers.ts";

const SERIALIZERS = ["serpent", "marshal", "json", "msgpack"] as const;

for (const servertype of ["thread", "multiplex"]) {
  describe(`Proxy against a Python ${servertype} daemon`, () => {
    let server: PythonServer;
    let uri: string;
    before(async () => {
      server = await startPythonServer("test_daemon.py", ["--servertype", servertype]);
      uri = server.announced;
    });
    after(() => server.stop());

    for (const serializer of SERIALIZERS) {
      describe(serializer, () => {
        it("calls methods with positional and keyword arguments", async () => {
          await using p = new Proxy(uri, { serializer });
          assert.equal(await p.echo("hello"), "hello");
          assert.equal(await p.add(1, 2), 3);
          assert.equal(await p.add(1, kwargs({ b: 41 })), 42);
          assert.deepEqual(await p.kwargs(1, "x", kwargs({ k: true })), {
            args: [1, "x"],
            kwargs: { k: true },
          });
          assert.deepEqual(await p.echo([1, "two", null, { a: [3.5] }]), [1, "two", null, {
            a: [3.5],
          }]);
          assert.equal(await p.echo(2n ** 70n), 2n ** 70n);
          assert.ok(p._pyroMethods.has("echo"));
          assert.ok(p._pyroAttrs.has("value"));
          assert.ok(p._pyroOneway.has("fire"));
          assert.ok(!p._pyroMethods.has("_private"));
        });

        it("reads and writes remote attributes", async () => {
          await using p = new Proxy(uri, { serializer });
          assert.equal(await p.value, 7);
          await setRemoteAttr(p, "value", 99);
          assert.equal(await p.value, 99);
          p.value = 100; // queued in order with the next call
          assert.equal(await p.value, 100);
          assert.equal(await p.readonly, "ro");
        });

        it("fails locally for names the object does not expose", async () => {
          await using p = new Proxy(uri, { serializer });
          await assert.rejects(
            p.nonexisting(),
            (e: Error) =>
              e instanceof AttributeError && e.pythonClass === "builtins.AttributeError" &&
              e.message ===
                `remote object '${uri}' has no exposed attribute or method 'nonexisting'`,
          );
          await assert.rejects(p._private(), AttributeError);
          await assert.rejects(p.nonexisting, AttributeError);
          await assert.rejects(p.value(), /remote attribute, not a method/);
        });

        it("sends oneway calls without waiting for them", async () => {
          await using p = new Proxy(uri, { serializer });
          await p.clear_fired();
          assert.equal(await p.fire("one"), undefined);
          assert.equal(await p.slow_fire("forced", 0, callOptions({ oneway: true })), undefined);
          assert.deepEqual(new Set(await p.fired(2)), new Set(["one", "forced"]));
        });

        it("raises remote errors with their Python class, args and traceback", async () => {
          await using p = new Proxy(uri, { serializer });
          const e = await p.fail().catch((x: unknown) => x) as RemoteError;
          assert.ok(e instanceof RemoteError);
          assert.equal(e.pythonClass, "builtins.ValueError");
          assert.equal(e.message, "boom");
          assert.deepEqual(e.args, ["boom"]);
          assert.match(
            getPyroTraceback(e),
            /This exception occurred remotely[\s\S]*ValueError: boom/,
          );
          const two = await p.fail_args().catch((x: unknown) => x) as RemoteError;
          assert.deepEqual(two.args, ["bad value", 42]);
          await assert.rejects(
            p.fail_pyro(),
            (x: Error) => x instanceof NamingError && x.message === "some naming problem",
          );
          const custom = await p.fail_custom().catch((x: unknown) => x) as RemoteError;
          assert.equal(custom.pythonClass, "__main__.MyCustomError");
          const key = await p.fail_key().catch((x: unknown) => x) as RemoteError;
          assert.equal(key.pythonClass, "builtins.KeyError");
          // The connection survives remote errors.
          assert.equal(await p.echo(1), 1);
        });

        it("streams remote generators and iterators as async iterables", async () => {
          await using p = new Proxy(uri, { serializer });
          const items: unknown[] = [];
          for await (const item of await p.gen(5)) items.push(item);
          assert.deepEqual(items, ["item-0", "item-1", "item-2", "item-3", "item-4"]);
          const counted: unknown[] = [];
          for await (const n of await p.counter(3)) counted.push(n);
          assert.deepEqual(counted, [0, 1, 2]);
          const early = await p.gen(1000) as ItemStream;
          for await (const item of early) {
            assert.equal(item, "item-0");
            break; // closes the stream on the server
          }
          assert.deepEqual(await early.next(), { done: true, value: undefined });
          const broken: unknown[] = [];
          await assert.rejects(async () => {
            for await (const x of await p.gen_fail()) broken.push(x);
          }, (e: Error) => e instanceof RemoteError && e.pythonClass === "builtins.RuntimeError");
          assert.deepEqual(broken, [1]);
          assert.equal(await p.echo("still fine"), "still fine");
        });

        it("sends batches and raises the first error in its place", async () => {
          await using p = new Proxy(uri, { serializer });
          const batch = new BatchProxy(p);
          batch.echo("a");
          batch.add(1, kwargs({ b: 2 }));
          batch.fail();
          batch.echo("never executed");
          if (serializer === "marshal") {
            // Python's marshal cannot write the nested _ExceptionWrapper of a failed batch call:
            // the daemon answers with that error instead (a Pyro5 limitation, spec 5.4).
            await assert.rejects(
              batch(),
              (e: Error) => e instanceof RemoteError && /unmarshallable object/.test(e.message),
            );
            batch.echo("a");
            batch.add(1, kwargs({ b: 2 }));
            assert.deepEqual((await batch())!.toArray(), ["a", 3]);
            return;
          }
          const results = (await batch())!;
          const seen: unknown[] = [];
          assert.throws(() => {
            for (const r of results) seen.push(r);
          }, (e: Error) => e instanceof RemoteError && e.message === "boom");
          assert.deepEqual(seen, ["a", 3]);
          await p.clear_fired();
          const oneway = new BatchProxy(p);
          oneway.fire("b1");
          oneway.fire("b2");
          assert.equal(await oneway({ oneway: true }), undefined);
          assert.deepEqual(await p.fired(2), ["b1", "b2"]);
        });

        it("passes correlation ids and annotations, and reads the reply's", async () => {
          await using p = new Proxy(uri, { serializer });
          const id = "11112222-3333-4444-5555-666677778888";
          currentContext.correlationId = id;
          currentContext.annotations = { XTRA: new Uint8Array([0x68, 0x69]) };
          try {
            assert.equal(await p.correlation(), id);
            assert.equal(p._pyroLastReply.correlationId, id);
            assert.deepEqual(await p.annotated(), { XTRA: "6869" });
            assert.deepEqual(p._pyroLastReply.annotations.RESP, new TextEncoder().encode("ok"));
            assert.deepEqual(
              currentContext.responseAnnotations.RESP,
              new TextEncoder().encode("ok"),
            );
          } finally {
            currentContext.correlationId = null;
            currentContext.annotations = {};
          }
          const perCall = "aaaabbbb-cccc-4ddd-8eee-ffff00001111";
          assert.equal(await p.correlation(callOptions({ correlationId: perCall })), perCall);
          // Without an id, a Python daemon answers with a fresh one of its own.
          assert.notEqual(await p.correlation(), "None");
          assert.match(p._pyroLastReply.correlationId ?? "", /^[0-9a-f-]{36}$/);
        });

        it("rebuilds registered classes", async () => {
          await using p = new Proxy(uri, { serializer });
          registerDictToClass("fixtures.Thing", (_n, d) => ({ thing: d.x }));
          try {
            assert.deepEqual(await p.thing(5), { thing: 5 });
          } finally {
            unregisterDictToClass("fixtures.Thing");
          }
        });
      });
    }

    it("pipelines 200 concurrent calls on one proxy, each answered correctly", async () => {
      await using p = new Proxy(uri, { serializer: "msgpack" });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => p.add(i, 1000)));
      assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i + 1000));
    });

    it("times out a slow call, and its late reply never reaches another caller", async () => {
      await using p = new Proxy(uri, { serializer: "serpent" });
      p._pyroTimeout = 0.3;
      await assert.rejects(p.slow(1.0, "late"), TimeoutError);
      p._pyroTimeout = null;
      assert.equal(await p.echo("next"), "next");
      assert.equal(await p.echo("after"), "after");
    });

    it("aborts a call with an AbortSignal", async () => {
      await using p = new Proxy(uri);
      const controller = new AbortController();
      const call = p.slow(0.5, "x", callOptions({ signal: controller.signal }));
      controller.abort();
      await assert.rejects(call, (e: Error) => e.name === "AbortError");
      assert.equal(await p.echo(5), 5);
      await assert.rejects(
        p.echo(1, callOptions({ signal: AbortSignal.abort() })),
        (e: Error) => e.name === "AbortError",
      );
    });

    it("serves instance modes single and percall", async () => {
      const base = uri.slice(0, uri.indexOf("@"));
      const location = uri.slice(uri.indexOf("@"));
      await using s1 = new Proxy(`PYRO:test.single${location}`);
      await using s2 = new Proxy(`PYRO:test.single${location}`);
      assert.equal(await s1.incr(), 1);
      assert.equal(await s2.incr(), 2);
      await using pc = new Proxy(`PYRO:test.percall${location}`);
      assert.equal(await pc.incr(), 1);
      assert.equal(await pc.incr(), 1);
      assert.ok(base.startsWith("PYRO:"));
    });

    it("rejects an unknown object id with the daemon's reason", async () => {
      await using p = new Proxy(uri.replace("test.service", "no.such.object"));
      await assert.rejects(
        p.echo(1),
        (e: Error) => e instanceof CommunicationError && /rejected: unknown object/.test(e.message),
      );
    });

    it("sends compressed calls and reads compressed replies", async () => {
      await using p = new Proxy(uri, { config: { COMPRESSION: true } });
      const big = "x".repeat(10_000);
      assert.equal(await p.echo(big), big);
    });
  });
}

describe("Proxy against special Python daemons", () => {
  // Python Pyro5 sends proxies for registered objects with serpent and json only (its marshal
  // and msgpack serializers send the object's dict instead; its own clients then refuse it).
  for (const serializer of ["serpent", "json"] as const) {
    it(`turns a returned Pyro object into a proxy (${serializer})`, async () => {
      await withPythonServer("test_daemon.py", [], async (server) => {
        await using p = new Proxy(server.announced, { serializer });
        const other: Proxy = await p.get_other();
        assert.ok(
          (other as unknown) instanceof ProxyCore,
          `not a proxy: ${Object.prototype.toString.call(other)}`,
        );
        assert.match(String(other._pyroUri), /^PYRO:test\.other@/);
        assert.equal(await other.hello(), "hello from other");
        await other._pyroRelease();
      });
    });
  }

  it("sends custom handshake data and reports a refused handshake", async () => {
    await withPythonServer("test_daemon.py", ["--handshake"], async (server) => {
      await using ok = new Proxy(server.announced, { handshake: { secret: "letmein" } });
      let response: unknown;
      ok._pyroValidateHandshake = (r) => {
        response = r;
      };
      assert.equal(await ok.echo(1), 1);
      assert.deepEqual(response, { welcome: true });
      await using bad = new Proxy(server.announced, { handshake: { secret: "wrong" } });
      await assert.rejects(
        bad.echo(1),
        (e: Error) =>
          e instanceof CommunicationError &&
          /rejected: handshake refused: \{'secret': 'wrong'\}/.test(e.message),
      );
      await using refusedLocally = new Proxy(server.announced, {
        handshake: { secret: "letmein" },
      });
      refusedLocally._pyroValidateHandshake = () => {
        throw new Error("not my server");
      };
      await assert.rejects(refusedLocally.echo(1), /not my server/);
    });
  });

  it("talks over a Unix domain socket", async () => {
    const path = socketPath("python-daemon");
    await withPythonServer("test_daemon.py", ["--unixsocket", path], async (server) => {
      assert.match(server.announced, /@\.\/u:/);
      await using p = new Proxy(server.announced);
      assert.equal(await p.echo("over unix"), "over unix");
    });
  });

  it("talks over IPv6", async () => {
    await withPythonServer("test_daemon.py", ["--host", "::1"], async (server) => {
      assert.match(server.announced, /@\[::1\]:\d+$/);
      await using p = new Proxy(server.announced);
      assert.equal(await p.echo("over ipv6"), "over ipv6");
    });
  });

  it("gives ConnectionClosedError when the daemon dies mid-call, and reconnects when it is back", async () => {
    const first = await startPythonServer("test_daemon.py", []);
    const uri = first.announced;
    const port = uri.slice(uri.lastIndexOf(":") + 1);
    await using p = new Proxy(uri);
    assert.equal(await p.echo(1), 1);
    await assert.rejects(p.exit_now(), (e: Error) => e.name === "ConnectionClosedError");
    await first.stop();
    await withPythonServer("test_daemon.py", ["--port", port], async () => {
      assert.equal(await p.echo("back"), "back");
    });
  });

  it("retries a timed-out call _pyroMaxRetries times", async () => {
    await withPythonServer("test_daemon.py", [], async (server) => {
      await using p = new Proxy(server.announced, { maxRetries: 1, timeout: 0.2 });
      await p.clear_fired();
      await assert.rejects(p.slow_fire("again", 0.4), TimeoutError);
      p._pyroTimeout = null;
      // Both attempts reached the daemon: the call ran twice.
      assert.deepEqual(await p.fired(2), ["again", "again"]);
    });
  });
});
