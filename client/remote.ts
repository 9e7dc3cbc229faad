/**
 * The public proxy: the ES `Proxy` view of a {@linkcode ProxyCore} whose unknown properties are
 * remote members, built with the name server's resolver; `BatchProxy`; and proxies received
 * inside values. Python: `Pyro5.client.Proxy`, `Pyro5.client.BatchProxy`.
 *
 * @module
 */
import { AttributeError, PyroError } from "../errors.ts";
import { getLogger } from "../logging.ts";
import { Flags } from "../protocol/constants.ts";
import { stringSet } from "../protocol/values.ts";
import {
  ExceptionWrapper,
  registerClassToDict,
  registerDictToClass,
} from "../serializers/registry.ts";
import { tuple } from "../serializers/types.ts";
import type { SerializerName } from "../serializers/types.ts";
import { SERIALIZER_NAMES as FORMAT_NAMES } from "../serializers/formats.ts";
import type { URI } from "../uri.ts";
import { type InvokeOptions, ProxyCore, type ProxyOptions } from "./proxy.ts";
import { resolveFor } from "../naming/locate.ts";
import { type KwArgs, splitArgs } from "./kwargs.ts";
import { receivingConfig } from "./received_config.ts";
import type { ItemStream } from "./stream.ts";

const log = getLogger("Pyro5.client");

/** Per-call options, passed as the very last argument of a remote call. */
export class CallOptions {
  /** The options. */
  readonly options: InvokeOptions;
  /**
   * Creates an instance.
   * @param options timeout, signal, oneway, correlation id, annotations for this call
   */
  constructor(options: InvokeOptions) {
    this.options = options;
  }
}

/**
 * Per-call options for a remote call: an `AbortSignal`, a timeout, a
 * correlation id, annotations, or forcing oneway.
 *
 * @param options the options for this one call
 * @returns the marker to pass as the last argument
 * @example
 * ```ts
 * import { callOptions, Daemon, expose, Proxy } from "@pyro5/pyro5";
 * const clock = expose({ slow: (s: number) => new Promise((r) => setTimeout(r, s * 1000)) });
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * await using proxy = new Proxy(daemon.register(clock));
 * const call = proxy.slow(0.5, callOptions({ signal: AbortSignal.timeout(100) }));
 * await call.catch((e: Error) => console.log(e.name)); // TimeoutError: the caller gave up
 * ```
 */
export function callOptions(options: InvokeOptions): CallOptions {
  return new CallOptions(options);
}

/** Names a proxy always keeps local, so that tools inspecting it never trigger remote calls. */
const LOCAL_NAMES = new Set([
  "then",
  "catch",
  "finally",
  "toJSON",
  "inspect",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
  "tagName",
  "length",
  "prototype",
]);

// Remote member functions are made once per proxy and name.
const memberCache = new WeakMap<ProxyCore, Map<string, unknown>>();
const setErrors = new WeakMap<ProxyCore, Error>();

function callRemote(core: ProxyCore, name: string, args: unknown[]): Promise<unknown> {
  // The common case, a connected proxy, goes straight on without an async layer of its own.
  if (!core._pyroConnected || setErrors.has(core)) return callRemoteSlowly(core, name, args);
  try {
    return invokeRemote(core, name, args);
  } catch (e) {
    return Promise.reject(e);
  }
}

async function callRemoteSlowly(core: ProxyCore, name: string, args: unknown[]): Promise<unknown> {
  const pendingError = setErrors.get(core);
  if (pendingError) {
    setErrors.delete(core);
    throw pendingError;
  }
  if (!core._pyroConnected) await core._pyroBind();
  return invokeRemote(core, name, args);
}

function invokeRemote(core: ProxyCore, name: string, args: unknown[]): Promise<unknown> {
  let options: InvokeOptions = {};
  if (args.length > 0 && args[args.length - 1] instanceof CallOptions) {
    options = (args[args.length - 1] as CallOptions).options;
    args = args.slice(0, -1);
  }
  const [vargs, kw] = splitArgs(args);
  if (!core._pyroMethods.has(name)) {
    if (core._pyroAttrs.has(name)) {
      throw new TypeError(
        `'${name}' is a remote attribute, not a method: read it with await proxy.${name}`,
      );
    }
    throw new AttributeError(
      `remote object '${core._pyroUri}' has no exposed attribute or method '${name}'`,
    );
  }
  // A Python proxy sends the positional arguments as a tuple; the proxy's serializer writes them
  // so (marking them with tuple() here would be a slow property definition per call).
  return core._pyroInvoke(name, vargs, kw, options);
}

async function getRemoteAttr(core: ProxyCore, name: string): Promise<unknown> {
  if (!core._pyroConnected) await core._pyroBind();
  if (!core._pyroAttrs.has(name)) {
    throw new AttributeError(
      `remote object '${core._pyroUri}' has no exposed attribute or method '${name}'`,
    );
  }
  return core._pyroInvoke("__getattr__", tuple(name), null);
}

/**
 * Writes a remote attribute. Python: `proxy.attr = value`.
 *
 * @param proxy the proxy
 * @param name the attribute
 * @param value the new value
 */
export async function setRemoteAttr(proxy: ProxyCore, name: string, value: unknown): Promise<void> {
  if (!proxy._pyroConnected) await proxy._pyroBind();
  if (!proxy._pyroAttrs.has(name)) {
    throw new AttributeError(
      `remote object '${proxy._pyroUri}' has no exposed attribute or method '${name}'`,
    );
  }
  await proxy._pyroInvoke("__setattr__", tuple(name, value), null);
}

function remoteMember(core: ProxyCore, name: string): unknown {
  let cache = memberCache.get(core);
  if (!cache) memberCache.set(core, cache = new Map());
  let member = cache.get(name);
  if (!member) {
    // Callable for methods, awaitable for attributes: `await proxy.value` reads it.
    const fn = (...args: unknown[]) => callRemote(core, name, args);
    Object.defineProperty(fn, "then", {
      value: (onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) =>
        getRemoteAttr(core, name).then(onFulfilled, onRejected),
    });
    Object.defineProperty(fn, "name", { value: name });
    cache.set(name, member = fn);
  }
  return member;
}

const handler: ProxyHandler<ProxyCore> = {
  get(target, prop) {
    if (typeof prop === "symbol" || prop in target) {
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" && typeof prop === "string" && prop !== "constructor"
        ? value.bind(target)
        : value;
    }
    if (LOCAL_NAMES.has(prop) || prop.startsWith("_pyro")) return undefined;
    return remoteMember(target, prop);
  },
  set(target, prop, value) {
    if (typeof prop === "symbol" || prop.startsWith("_pyro") || prop in target) {
      return Reflect.set(target, prop, value, target);
    }
    // A property write cannot be awaited: it is sent in order with the calls, and a failure
    // is raised by the next call on this proxy. Use setRemoteAttr() to await it.
    setRemoteAttr(target, prop, value).catch((e) => {
      log.warning(`setting remote attribute ${prop} failed: ${e}`);
      setErrors.set(target, e);
    });
    return true;
  },
  has(target, prop) {
    if (typeof prop === "symbol" || prop in target) return prop in target;
    return target._pyroMethods.has(prop) || target._pyroAttrs.has(prop);
  },
};

/** A remote method's result as the proxy returns it: streams for iterables, else a Promise. */
export type RemoteResult<R> = Awaited<R> extends string ? Promise<Awaited<R>>
  : Awaited<R> extends Iterable<infer I> | AsyncIterable<infer I>
    ? Awaited<R> extends unknown[] ? Promise<Awaited<R>> : Promise<ItemStream<I>>
  : Promise<Awaited<R>>;

/**
 * The Promise-returning view of an interface `T`: methods return Promises
 * (remote iterators become {@linkcode ItemStream}s), attributes are awaitable.
 */
export type Remote<T> = {
  [K in keyof T as K extends string ? K : never]: T[K] extends (...args: infer A) => infer R ? (
      ...args: [...A] | [...A, KwArgs] | [...A, CallOptions] | [...A, KwArgs, CallOptions]
    ) => RemoteResult<R>
    : Promise<T[K]>;
};

/** A proxy for a remote object of type `T` (untyped: any member is a remote method). */
// deno-lint-ignore no-explicit-any
export type Proxy<T = any> = ProxyCore & (unknown extends T ? Record<string, any> : Remote<T>);

/** The `Proxy` constructor type. */
export interface ProxyConstructor {
  /**
   * Makes a proxy; it connects on first use.
   *
   * @param uri `PYRO:obj@host:port`, `PYRONAME:name`, `PYROMETA:tags`, a {@linkcode URI}, or with
   *   `connectedSocket` just the object id
   * @param options see {@linkcode ProxyOptions}
   */
  // deno-lint-ignore no-explicit-any
  new <T = any>(uri: string | URI, options?: ProxyOptions): Proxy<T>;
  /** The class proxies are instances of. */
  readonly prototype: ProxyCore;
}

/**
 * A proxy for a remote object. Unknown properties are remote methods
 * returning Promises; remote attributes are read with `await proxy.attr`;
 * the proxy's own members start with `_pyro`. Connects on first use.
 * Python: `Pyro5.client.Proxy`.
 *
 * @example
 * ```ts
 * import { Daemon, expose, Proxy } from "@pyro5/pyro5";
 * interface Greeter { get_fortune(name: string): string }
 * const service = expose({ get_fortune: (name: string) => `Hello, ${name}.` });
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * await using greeter = new Proxy<Greeter>(daemon.register(service, "greeter"));
 * const text: string = await greeter.get_fortune("Alice"); // typed by the interface
 * console.log(text);
 * ```
 */
export const Proxy: ProxyConstructor = function Proxy(uri: string | URI, options?: ProxyOptions) {
  if (!new.target) throw new TypeError("Proxy must be called with new");
  return new globalThis.Proxy(new ProxyCore(uri, options, resolveFor), handler);
} as unknown as ProxyConstructor;
(Proxy as unknown as { prototype: ProxyCore }).prototype = ProxyCore.prototype;

/**
 * Wraps an existing {@linkcode ProxyCore} in the remote-member view.
 *
 * @param core the proxy core
 * @returns the proxy
 */
export function wrapProxy<T = unknown>(core: ProxyCore): Proxy<T> {
  return new globalThis.Proxy(core, handler) as Proxy<T>;
}

/** The results of a batch, in call order; iterating re-raises a failed call's error in its place. */
export class BatchResults implements Iterable<unknown> {
  /** The raw results; a failed call appears as an {@linkcode ExceptionWrapper}. */
  readonly results: readonly unknown[];
  /**
   * Creates an instance.
   * @param results the list the daemon returned
   */
  constructor(results: readonly unknown[]) {
    this.results = results;
  }
  /** Yields each result; throws the error of the first failed call when reaching it. */
  *[Symbol.iterator](): Iterator<unknown> {
    for (const r of this.results) {
      if (r instanceof ExceptionWrapper) throw r.exception;
      yield r;
    }
  }
  /** All results as an array, or the first failed call's error. */
  toArray(): unknown[] {
    return [...this];
  }
}

/** A {@linkcode BatchProxy}: record calls on it, then call it to send them. */
// deno-lint-ignore no-explicit-any
export type BatchProxy = Record<string, (...args: any[]) => void> & {
  (options?: { oneway?: boolean }): Promise<BatchResults | undefined>;
};

/** The `BatchProxy` constructor type. */
export interface BatchProxyConstructor {
  /**
   * Makes a batch proxy.
   *
   * @param proxy the proxy whose object receives the batch
   */
  new (proxy: ProxyCore): BatchProxy;
}

/**
 * Records calls and sends them as one batch. Python: `Pyro5.client.BatchProxy`.
 *
 * @example
 * ```ts
 * import { BatchProxy, Daemon, expose, Proxy } from "@pyro5/pyro5";
 * const calculator = expose({ echo: (x: unknown) => x, add: (a: number, b: number) => a + b });
 * await using daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
 * await using proxy = new Proxy(daemon.register(calculator));
 * const batch = new BatchProxy(proxy);
 * batch.echo("a");
 * batch.add(1, 2);
 * for (const result of (await batch())!) console.log(result); // "a", then 3
 * ```
 */
export const BatchProxy: BatchProxyConstructor = function BatchProxy(proxy: ProxyCore) {
  if (!new.target) throw new TypeError("BatchProxy must be called with new");
  if (!(proxy instanceof ProxyCore)) throw new TypeError("BatchProxy needs a Proxy");
  let calls: unknown[] = [];
  const run = async (options: { oneway?: boolean } = {}) => {
    const sent = calls;
    calls = [];
    const oneway = options.oneway ?? false;
    const result = await proxy._pyroInvoke("<batch>", sent, null, { flags: Flags.BATCH, oneway });
    if (oneway) return undefined;
    return new BatchResults(Array.isArray(result) ? result : [result]);
  };
  return new globalThis.Proxy(run, {
    get(_target, prop) {
      if (typeof prop === "symbol" || LOCAL_NAMES.has(prop) || prop.startsWith("_pyro")) {
        return undefined;
      }
      return (...args: unknown[]) => {
        const [vargs, kw] = splitArgs(args);
        calls.push(tuple(prop, tuple(...vargs), kw));
      };
    },
  });
} as unknown as BatchProxyConstructor;

/** How proxies travel: Pyro5's 6-element proxy state. */
registerClassToDict(ProxyCore, (p: ProxyCore) => ({
  __class__: "Pyro5.client.Proxy",
  state: tuple(
    String(p._pyroUri),
    tuple(...p._pyroOneway),
    tuple(...p._pyroMethods),
    tuple(...p._pyroAttrs),
    p._pyroHandshake,
    p._pyroSerializer,
  ),
}));

/** The serializer names a proxy state may carry; any other falls back to the default. */
const SERIALIZER_NAMES: ReadonlySet<string> = new Set(FORMAT_NAMES);

// A received proxy: Pyro5's 6-element state (uri, oneway, methods, attrs, handshake, serializer),
// or the 7-element Pyro4 layout that Pyrolite (Java, .NET) sends: (uri, oneway, methods, attrs,
// timeout, handshake, maxretries). Like Python, an unknown serializer name means the default.
registerDictToClass("Pyro5.client.Proxy", (_name, dict) => {
  const state = dict.state;
  if (!Array.isArray(state) || state.length < 1) {
    throw new PyroError("invalid proxy state in class dict");
  }
  const pyro4 = state.length === 7;
  const [uri, oneway, methods, attrs] = state;
  const handshake = pyro4 ? state[5] : state.length >= 6 ? state[4] : "hello";
  const serializer = pyro4 ? undefined : state[5];
  const known = typeof serializer === "string" && SERIALIZER_NAMES.has(serializer);
  if (serializer !== undefined && serializer !== null && !known) {
    log.debug(`proxy state names unknown serializer ${String(serializer)}: using the default`);
  }
  const timeout = pyro4 && typeof state[4] === "number" && state[4] > 0 ? state[4] : undefined;
  const maxRetries = pyro4 && typeof state[6] === "number" ? state[6] : undefined;
  const core = new ProxyCore(String(uri), {
    // It connects as its receiver does (TLS, serializer limits), Python's one config per process.
    config: receivingConfig() ?? undefined,
    handshake,
    serializer: known ? serializer as SerializerName : undefined,
    timeout,
    maxRetries,
  }, resolveFor);
  const names = (v: unknown) => stringSet(v) ?? new Set<string>();
  core._pyroOneway = names(oneway);
  core._pyroMethods = names(methods);
  core._pyroAttrs = names(attrs);
  return wrapProxy(core);
});
