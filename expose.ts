/**
 * What a daemon may let clients reach: `expose`, `oneway` and `behavior`,
 * each usable as a plain function and as a TC39 decorator.
 * Python: `Pyro5.api.expose`, `oneway`, `behavior`.
 *
 * Only exposed members are reachable; names starting with `_` never are,
 * and nothing of the JavaScript object model ever is.
 *
 * @example
 * ```ts
 * import { behavior, expose, oneway } from "@pyro5/pyro5";
 * class Thermostat {
 *   target = 20;
 *   setTarget(t: number) { return this.target = t; }
 *   log(_msg: string) {}
 * }
 * expose(Thermostat);              // every public method and accessor
 * oneway(Thermostat, "log");
 * behavior({ instanceMode: "single" })(Thermostat);
 * ```
 *
 * @module
 */

/** How a daemon makes instances of a registered class. */
export type InstanceMode = "single" | "session" | "percall";

/** Options of {@linkcode behavior}. */
export interface BehaviorOptions {
  /** One instance for all (`single`), one per connection (`session`, the default), or one per call (`percall`). */
  instanceMode?: InstanceMode;
  /** Makes an instance; the class is passed in. Default: `new cls()`. */
  // deno-lint-ignore no-explicit-any
  instanceCreator?: (cls: any) => unknown;
}

/** Any class (constructor function). */
// deno-lint-ignore no-explicit-any
export type AnyClass = abstract new (...args: any[]) => any;

type Target = AnyClass | object;

interface Exposure {
  /** The whole class (or object) is exposed. */
  all: boolean;
  /** Members exposed by name. */
  names: Set<string>;
  /** Members marked oneway. */
  oneway: Set<string>;
  behavior?: BehaviorOptions;
}

const exposures = new WeakMap<Target, Exposure>();
// Functions decorated as members; matched against the prototype when metadata is made.
const exposedFunctions = new WeakSet<object>();
const onewayFunctions = new WeakSet<object>();

// Metadata is worked out once per class (or plain object) and kept until exposure changes.
let exposureVersion = 0;
const metadataCache = new WeakMap<object, { version: number; metadata: Metadata }>();

function exposureOf(target: Target): Exposure {
  exposureVersion++;
  let e = exposures.get(target);
  if (!e) exposures.set(target, e = { all: false, names: new Set(), oneway: new Set() });
  return e;
}

interface DecoratorContext {
  kind: "class" | "method" | "getter" | "setter" | "field" | "accessor";
  name: string | symbol;
  static?: boolean;
  addInitializer?(init: (this: unknown) => void): void;
}

function isDecoratorContext(x: unknown): x is DecoratorContext {
  return typeof x === "object" && x !== null && "kind" in x && "name" in x;
}

/** The member names given one by one, or as one array. */
function nameList(names: readonly unknown[]): string[] {
  // checkName refuses anything that is not a string.
  return (names.length === 1 && Array.isArray(names[0]) ? names[0] : names) as string[];
}

function checkName(name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("member names must be non-empty strings");
  }
  if (name.startsWith("_")) {
    throw new TypeError(
      `cannot expose private member ${
        JSON.stringify(name)
      }: names starting with _ are never exposed`,
    );
  }
  if (FORBIDDEN.has(name)) {
    throw new TypeError(
      `cannot expose ${JSON.stringify(name)}: it belongs to the JavaScript object model`,
    );
  }
}

/** Names of the JavaScript object model that are never reachable, whatever is exposed. */
export const FORBIDDEN: ReadonlySet<string> = new Set([
  "constructor",
  "prototype",
  "__proto__",
  "toString",
  "toLocaleString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "then",
  "caller",
  "callee",
  "arguments",
]);

/**
 * Exposes a class (every public method and accessor), an object, or the named
 * members of either. As a decorator: on a class, or on a method, getter, setter
 * or field. Python: `@Pyro5.api.expose`.
 *
 * @param target the class or object; or, as a decorator, the decorated value
 * @param names members to expose, one by one or as one array; none means all public methods and
 *   accessors
 * @returns the target (so it can wrap a class expression)
 * @example
 * ```ts
 * import { expose } from "@pyro5/pyro5";
 * class Greeter { hello(name: string) { return `Hello, ${name}`; } }
 * expose(Greeter);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function expose<T>(target: T, ...names: any[]): T {
  if (isDecoratorContext(names[0])) {
    const context = names[0];
    if (context.kind === "class") exposureOf(target as Target).all = true;
    else if (context.kind === "field") {
      const name = String(context.name);
      checkName(name);
      context.addInitializer?.(function (this: unknown) {
        exposureOf((this as object).constructor).names.add(name);
      });
    } else {
      checkName(String(context.name));
      exposedFunctions.add(target as object);
      exposureVersion++;
    }
    return target;
  }
  if ((typeof target !== "function" && typeof target !== "object") || target === null) {
    throw new TypeError("expose needs a class or an object");
  }
  const e = exposureOf(target as Target);
  if (names.length === 0) e.all = true;
  // expose(Calc, ["add", "div"]) as well as expose(Calc, "add", "div").
  for (const name of nameList(names)) {
    checkName(name);
    e.names.add(name);
  }
  return target;
}

/**
 * Marks methods as oneway: clients do not wait for them. As a decorator: on a
 * method. Python: `@Pyro5.api.oneway`.
 *
 * @param target the class or object; or, as a decorator, the method
 * @param names the oneway methods
 * @returns the target
 * @example
 * ```ts
 * import { expose, oneway } from "@pyro5/pyro5";
 * class Logger { log(_line: string) {} }
 * expose(Logger);
 * oneway(Logger, "log");
 * ```
 */
// deno-lint-ignore no-explicit-any
export function oneway<T>(target: T, ...names: any[]): T {
  if (isDecoratorContext(names[0])) {
    checkName(String(names[0].name));
    onewayFunctions.add(target as object);
    exposureVersion++;
    return target;
  }
  const e = exposureOf(target as Target);
  for (const name of nameList(names)) {
    checkName(name);
    e.oneway.add(name);
  }
  return target;
}

/**
 * Sets how a daemon makes instances of a class. Returns a function to apply
 * to the class, which also works as a class decorator. Python: `@Pyro5.api.behavior`.
 *
 * @param options the instance mode and an optional instance creator
 * @returns applies the behaviour to a class
 * @example
 * ```ts
 * import { behavior, expose } from "@pyro5/pyro5";
 * class Counter { n = 0; incr() { return ++this.n; } }
 * expose(Counter);
 * behavior({ instanceMode: "single" })(Counter);
 * ```
 */
export function behavior(
  options: BehaviorOptions,
): <C extends AnyClass>(cls: C, context?: unknown) => C {
  const mode = options.instanceMode ?? "session";
  if (mode !== "single" && mode !== "session" && mode !== "percall") {
    throw new TypeError(
      `invalid instance mode ${JSON.stringify(mode)}: use single, session or percall`,
    );
  }
  if (options.instanceCreator !== undefined && typeof options.instanceCreator !== "function") {
    throw new TypeError("instanceCreator must be a function");
  }
  return (cls) => {
    exposureOf(cls).behavior = { instanceMode: mode, instanceCreator: options.instanceCreator };
    return cls;
  };
}

/** The behaviour set for a class, with defaults. */
export function behaviorOf(
  cls: AnyClass,
): Required<Pick<BehaviorOptions, "instanceMode">> & BehaviorOptions {
  for (let c: unknown = cls; typeof c === "function"; c = Object.getPrototypeOf(c)) {
    const b = exposures.get(c as Target)?.behavior;
    if (b) return { instanceMode: b.instanceMode ?? "session", instanceCreator: b.instanceCreator };
  }
  return { instanceMode: "session" };
}

/** What a client may reach on an object: Pyro's metadata. */
export interface Metadata {
  /** Exposed method names. */
  methods: Set<string>;
  /** Exposed oneway method names. */
  oneway: Set<string>;
  /** Exposed attribute names (accessors and exposed fields). */
  attrs: Set<string>;
}

function allowed(name: string): boolean {
  return !name.startsWith("_") && !FORBIDDEN.has(name);
}

/**
 * The metadata of an object or class: what `expose`/`oneway` allow, never
 * `_` names, never the object model. Python: `Pyro5.server._get_exposed_members`.
 *
 * @param objOrClass a registered object or class
 * @returns the exposed methods, oneway methods and attributes
 */
export function exposedMembers(objOrClass: object): Metadata {
  // Instances of a class share their class's metadata; plain objects have their own.
  const key =
    typeof objOrClass === "function" || Object.getPrototypeOf(objOrClass) === Object.prototype
      ? objOrClass
      : (objOrClass as { constructor: object }).constructor ?? objOrClass;
  const cached = metadataCache.get(key);
  if (cached && cached.version === exposureVersion) return cached.metadata;
  const metadata = computeMembers(objOrClass);
  metadataCache.set(key, { version: exposureVersion, metadata });
  return metadata;
}

function computeMembers(objOrClass: object): Metadata {
  const methods = new Set<string>();
  const oneways = new Set<string>();
  const attrs = new Set<string>();
  const isClass = typeof objOrClass === "function";
  const cls = isClass
    ? objOrClass as { prototype: object }
    : (objOrClass as { constructor: { prototype: object } }).constructor;
  const chain: object[] = [];
  // The class and its bases, then (for a plain object) the object itself.
  for (
    let proto = cls?.prototype;
    proto && proto !== Object.prototype && proto !== Function.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    chain.push(proto);
  }
  const own = !isClass && Object.getPrototypeOf(objOrClass) === Object.prototype
    ? objOrClass
    : null;
  const exposuresFound: Exposure[] = [];
  for (
    let c: unknown = cls;
    typeof c === "function" && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    const e = exposures.get(c as Target);
    if (e) exposuresFound.push(e);
  }
  if (own) {
    const e = exposures.get(own);
    if (e) exposuresFound.push(e);
    chain.unshift(own);
  }
  const allExposed = exposuresFound.some((e) => e.all);
  const named = new Set(exposuresFound.flatMap((e) => [...e.names]));
  const onewayNamed = new Set(exposuresFound.flatMap((e) => [...e.oneway]));
  const seen = new Set<string>();
  for (const proto of chain) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (seen.has(name) || !allowed(name)) continue;
      seen.add(name);
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      const fn = d.value;
      const decorated = (typeof fn === "function" && exposedFunctions.has(fn)) ||
        (d.get !== undefined && exposedFunctions.has(d.get)) ||
        (d.set !== undefined && exposedFunctions.has(d.set));
      if (!(allExposed || named.has(name) || decorated)) continue;
      if (d.get || d.set) attrs.add(name);
      else if (typeof fn === "function") {
        methods.add(name);
        if (onewayNamed.has(name) || onewayFunctions.has(fn)) oneways.add(name);
      } else if (named.has(name)) attrs.add(name);
    }
  }
  // Exposed by name but not found on the prototypes: instance fields, which are attributes.
  for (const name of named) if (!seen.has(name) && allowed(name)) attrs.add(name);
  return { methods, oneway: oneways, attrs };
}
