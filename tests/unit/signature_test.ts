// Python's calling convention for our methods: parameter names read from the source or declared,
// keyword arguments bound by name, and CPython's TypeErrors for wrong calls.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  bindArguments,
  parseDeclaration,
  type Signature,
  signatureFromSource,
} from "../../server/signature.ts";
import { declaredSignature, expose, exposedMembers, isPrivateName } from "../../expose.ts";

// deno-lint-ignore no-explicit-any
const params = (fn: (...args: any[]) => unknown) => signatureFromSource(fn);

describe("parameter names from the method's own list", () => {
  it("reads plain names, defaults, rest parameters, and every function form", () => {
    class C {
      plain(a: number, b: string) {
        return [a, b];
      }
      async asyncOne(x: number) {
        return await x;
      }
      *gen(n: number) {
        yield n;
      }
      async *agen(n: number, m = 2) {
        yield n + m;
      }
      defaults(
        a = [1, 2],
        b = { c: (1 + 2) * 3 },
        c = "x,y)",
        d = `t${"(,"}`,
        e = /[,)]/.test(""),
      ) {
        return [a, b, c, d, e];
      }
      commented(
        a: number,
        /* b, c */ d: number, // e,
        f = 1,
      ) {
        return a + d + f;
      }
      rest(a: number, ...more: number[]) {
        return [a, more];
      }
      trailing(
        a: number,
        b: number,
      ) {
        return a + b;
      }
    }
    const c = new C();
    assert.deepEqual(params(c.plain).params, ["a", "b"]);
    assert.deepEqual(params(c.asyncOne).params, ["x"]);
    assert.deepEqual(params(c.gen).params, ["n"]);
    assert.deepEqual(params(c.agen).params, ["n", "m"]);
    assert.deepEqual(params(c.defaults).params, ["a", "b", "c", "d", "e"]);
    assert.deepEqual(params(c.commented).params, ["a", "d", "f"]);
    assert.deepEqual(params(c.trailing).params, ["a", "b"]);
    const rest = params(c.rest);
    assert.deepEqual([rest.params, rest.rest], [["a"], true]);
    assert.deepEqual(params((x: number) => x).params, ["x"]);
    assert.deepEqual(
      params(function named(p: number, q: number) {
        return p + q;
      }).params,
      ["p", "q"],
    );
    assert.deepEqual(
      params(
        {
          ["quoted(name"](a: number) {
            return a;
          },
        }["quoted(name"],
      ).params,
      ["a"],
    );
    for (const s of [rest, params(c.plain)]) {
      assert.equal(s.required, 0, "a parameter list never makes anything required");
      assert.equal(s.known, true);
    }
  });

  it("refuses to guess for destructuring and native code", () => {
    assert.equal(params(({ a }: { a: number }) => a).known, false);
    assert.equal(params(([a]: number[]) => a).known, false);
    assert.equal(params(Math.max).known, false);
    assert.equal(params(function (this: unknown) {}.bind(null)).known, false);
  });
});

describe("declared signatures", () => {
  it("parses names, optional names, rest and **kwargs", () => {
    assert.deepEqual(parseDeclaration("configure(level, verbose?, ...more, **options)"), {
      name: "configure",
      signature: {
        params: ["level", "verbose"],
        required: 1,
        rest: true,
        kwargs: "options",
        known: true,
      },
    });
    assert.deepEqual(parseDeclaration("ping()").signature.params, []);
    assert.equal(parseDeclaration("(a)").name, "");
  });

  it("refuses malformed declarations with a clear TypeError", () => {
    for (const bad of ["echo", "echo(a,,b)", "f(**k, a)", "f(a?, b)", "f(a, a)", "f(1a)"]) {
      assert.throws(() => parseDeclaration(bad), TypeError, bad);
    }
  });

  it("comes from expose's function form and decorator form, and wins over the list", () => {
    class Svc {
      echo(message: unknown) {
        return message;
      }
      shout(text: string, kw: Record<string, unknown>) {
        return [text, kw];
      }
    }
    expose(Svc, ["echo(message)"]);
    const decorated = expose("(text, **kw)")(Svc.prototype.shout, {
      kind: "method",
      name: "shout",
    });
    assert.equal(decorated, Svc.prototype.shout);
    const svc = new Svc();
    assert.deepEqual(declaredSignature(svc, "echo", svc.echo)?.required, 1);
    assert.deepEqual(declaredSignature(svc, "shout", svc.shout)?.kwargs, "kw");
    assert.deepEqual([...exposedMembers(Svc).methods].sort(), ["echo", "shout"]);
    assert.throws(
      () => expose("other(a)")(Svc.prototype.echo, { kind: "method", name: "echo" }),
      TypeError,
    );
  });
});

describe("binding, as Python does", () => {
  const sig = (text: string): Signature => parseDeclaration(text).signature;
  const bind = (s: Signature, vargs: unknown[], kwargs: Record<string, unknown> | null) =>
    bindArguments("Svc.m", s, vargs, kwargs);
  const fromList: Signature = {
    params: ["a", "b"],
    required: 0,
    rest: false,
    kwargs: null,
    known: true,
  };

  it("fills parameters by position and by name, in any mix", () => {
    assert.deepEqual(bind(fromList, [1, 2], null), [1, 2]);
    assert.deepEqual(bind(fromList, [1], { b: 2 }), [1, 2]);
    assert.deepEqual(bind(fromList, [], { b: 2, a: 1 }), [1, 2]);
    assert.deepEqual(bind(fromList, [], { b: 2 }), [undefined, 2]);
    assert.deepEqual(bind(fromList, [], {}), []);
  });

  it("collects unknown keywords for **kwargs, after the named parameters and before the rest", () => {
    const s = sig("m(a, b?, ...rest, **options)");
    assert.deepEqual(bind(s, [1], { x: 9 }), [1, undefined, { x: 9 }]);
    assert.deepEqual(bind(s, [1, 2, 3, 4], null), [1, 2, {}, 3, 4]);
    assert.deepEqual(bind(s, [], { a: 1, b: 2, c: 3 }), [1, 2, { c: 3 }]);
  });

  it("raises CPython's TypeErrors", () => {
    const cases: Array<[Signature, unknown[], Record<string, unknown> | null, string]> = [
      [fromList, [], { c: 1 }, "Svc.m() got an unexpected keyword argument 'c'"],
      [fromList, [1], { a: 1 }, "Svc.m() got multiple values for argument 'a'"],
      [
        fromList,
        [1, 2, 3],
        null,
        "Svc.m() takes from 1 to 3 positional arguments but 4 were given",
      ],
      [sig("m(a, b)"), [1, 2, 3], null, "Svc.m() takes 3 positional arguments but 4 were given"],
      [sig("m()"), [1], null, "Svc.m() takes 1 positional argument but 2 were given"],
      [
        sig("m(a, b, c)"),
        [],
        null,
        "Svc.m() missing 3 required positional arguments: 'a', 'b', and 'c'",
      ],
      [
        sig("m(a, b, c)"),
        [1],
        null,
        "Svc.m() missing 2 required positional arguments: 'b' and 'c'",
      ],
      [sig("m(a, b?)"), [], { b: 1 }, "Svc.m() missing 1 required positional argument: 'a'"],
      [sig("m(a, ...r)"), [], { r: 1 }, "Svc.m() got an unexpected keyword argument 'r'"],
    ];
    for (const [s, vargs, kwargs, message] of cases) {
      assert.throws(
        () => bind(s, vargs, kwargs),
        (e: Error) =>
          e instanceof TypeError && e.message === message &&
          (e as { pythonClass?: string }).pythonClass === "builtins.TypeError",
        message,
      );
    }
  });

  it("passes positional arguments on for an unreadable list, and refuses keywords for it", () => {
    const unknown = params(({ a }: { a: number }) => a);
    assert.deepEqual(bind(unknown, [{ a: 1 }, 2], null), [{ a: 1 }, 2]);
    assert.throws(() => bind(unknown, [], { a: 1 }), /cannot take keyword arguments/);
  });
});

describe("Pyro5's rule for private names", () => {
  it("keeps _x and __x private, opens __x__, closes Python's special names", () => {
    for (const name of ["_x", "__x", "__init__", "__call__", "__getattr__", "___", "____"]) {
      assert.equal(isPrivateName(name), true, name);
    }
    for (const name of ["x", "__dunder__", "__len__", "__x__"]) {
      assert.equal(isPrivateName(name), false, name);
    }
  });

  it("never reaches the JavaScript object model, dunder-shaped or not", () => {
    for (const name of ["__proto__", "__defineGetter__", "__lookupSetter__", "constructor"]) {
      assert.throws(() => expose({ [name]: () => 1 }, name), TypeError, name);
    }
    const obj = { __dunder__: () => "d", __init__: () => "i" };
    expose(obj);
    assert.deepEqual([...exposedMembers(obj).methods], ["__dunder__"]);
  });
});
