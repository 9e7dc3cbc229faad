import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as errors from "../../errors.ts";
import * as registry from "../../serializers/registry.ts";
import { isTuple } from "../../serializers/types.ts";
import { URI } from "../../uri.ts";

describe("errors", () => {
  it("mirror Pyro5's hierarchy and names", () => {
    const e = new errors.MessageTooLargeError("big");
    assert.ok(
      e instanceof errors.ProtocolError && e instanceof errors.CommunicationError &&
        e instanceof errors.PyroError &&
        e instanceof Error,
    );
    assert.equal(e.name, "MessageTooLargeError");
    assert.ok(new errors.SerializeError("x") instanceof errors.ProtocolError);
    const cause = new Error("root");
    assert.equal(new errors.ConnectionClosedError("gone", { cause }).cause, cause);
  });

  it("format a remote traceback as Pyro5 prints it", () => {
    const e = new errors.RemoteError("builtins.ValueError", ["boom"], {
      _pyroTraceback: [
        "Traceback (most recent call last):\n",
        '  File "x.py", line 1, in f\n',
        "ValueError: boom\n",
      ],
    });
    assert.equal(e.name, "ValueError");
    assert.equal(e.message, "boom");
    assert.equal(
      errors.getPyroTraceback(e),
      " +--- This exception occurred remotely (Pyro) - Remote traceback:\n" +
        " | Traceback (most recent call last):\n" +
        ' |   File "x.py", line 1, in f\n' +
        " | ValueError: boom\n" +
        " +--- End of remote traceback\n",
    );
    assert.equal(errors.getPyroTraceback(new Error("local")), "");
  });
});

describe("class registry", () => {
  it("turns exception dicts into Pyro errors or RemoteErrors", () => {
    const pyro = registry.dictToClass({
      __class__: "Pyro5.errors.NamingError",
      __exception__: true,
      args: ["unknown name: x"],
      attributes: { _pyroTraceback: ["tb\n"] },
    });
    assert.ok(pyro instanceof errors.NamingError);
    assert.equal((pyro as errors.NamingError).message, "unknown name: x");
    assert.deepEqual((pyro as errors.NamingError)._pyroTraceback, ["tb\n"]);
    const remote = registry.dictToClass({
      __class__: "builtins.ValueError",
      __exception__: true,
      args: ["bad value", 42],
      attributes: { extra: "custom" },
    });
    assert.ok(remote instanceof errors.RemoteError);
    assert.equal((remote as errors.RemoteError).pythonClass, "builtins.ValueError");
    assert.deepEqual((remote as errors.RemoteError).args, ["bad value", 42]);
    assert.equal((remote as errors.RemoteError).attributes.extra, "custom");
    assert.equal((remote as errors.RemoteError).message, "('bad value', 42)");
  });

  it("turns errors into exception dicts Python can rebuild", () => {
    const d = registry.errorToDict(new RangeError("out of range"));
    assert.equal(d.__class__, "builtins.ValueError");
    assert.equal(d.__exception__, true);
    assert.deepEqual([...d.args as unknown[]], ["out of range"]);
    assert.ok(isTuple(d.args));
    assert.equal(
      registry.errorToDict(new errors.NamingError("n")).__class__,
      "Pyro5.errors.NamingError",
    );
    class Custom extends Error {}
    const c = new Custom("oops");
    c.name = "Custom";
    const cd = registry.errorToDict(c);
    assert.equal(cd.__class__, "builtins.Exception");
    assert.deepEqual([...cd.args as unknown[]], ["Custom: oops"]);
    const named = Object.assign(new Error("k"), { pythonClass: "builtins.KeyError" });
    assert.equal(registry.errorToDict(named).__class__, "builtins.KeyError");
  });

  it("handles URIs, _ExceptionWrapper and the serpent NaN dict", () => {
    const uri = registry.dictToClass({
      __class__: "Pyro5.core.URI",
      state: ["PYRO", "obj_1", null, "127.0.0.1", 9999],
    });
    assert.ok(uri instanceof URI);
    assert.equal(String(uri), "PYRO:obj_1@127.0.0.1:9999");
    assert.deepEqual(registry.classToDict(uri as URI), {
      __class__: "Pyro5.core.URI",
      state: ["PYRO", "obj_1", null, "127.0.0.1", 9999],
    });
    const wrapped = registry.dictToClass({
      __class__: "Pyro5.core._ExceptionWrapper",
      exception: {
        __class__: "builtins.ValueError",
        __exception__: true,
        args: ["boom"],
        attributes: {},
      },
    });
    assert.ok(wrapped instanceof registry.ExceptionWrapper);
    assert.equal((wrapped as registry.ExceptionWrapper).exception.message, "boom");
    assert.ok(Number.isNaN(registry.dictToClass({ __class__: "float", value: "nan" })));
  });

  it("uses registered converters both ways and leaves unknown classes as dicts", () => {
    class Thing {
      x = 1;
    }
    registry.registerClassToDict(Thing, (t: Thing) => ({ __class__: "mymodule.Thing", x: t.x }));
    registry.registerDictToClass("mymodule.Thing", (name, d) => [name.split(".")[1], d.x]);
    try {
      assert.deepEqual(registry.classToDict(new Thing()), { __class__: "mymodule.Thing", x: 1 });
      assert.deepEqual(registry.dictToClass({ __class__: "mymodule.Thing", x: 1 }), ["Thing", 1]);
    } finally {
      registry.unregisterClassToDict(Thing);
      registry.unregisterDictToClass("mymodule.Thing");
    }
    assert.deepEqual(registry.classToDict(new Thing()), { x: 1, __class__: "Thing" });
    const unknown = { __class__: "mymodule.Thing", x: 1 };
    assert.equal(registry.dictToClass(unknown), unknown);
  });
});
