/**
 * What a daemon may let clients reach: `expose`, `oneway` and `behavior`,
 * each usable as a plain function and as a TC39 decorator.
 * Python: `Pyro5.api.expose`, `oneway`, `behavior`.
 *
 * Only exposed members are reachable. Names starting with `_` never are, except
 * `__dunder__`-shaped ones (two underscores on both sides), which follow
 * Pyro5's rule: reachable unless they are one of Python's own special names
 * (`__init__`, `__call__`, `__getattr__`, ...). Nothing of the JavaScript object
 * model (`constructor`, `__proto__`, `__defineGetter__`, ...) ever is.
 *
 * A member name may carry its signature, `"echo(message)"`, which says how
 * Python callers' keyword arguments bind to its parameters (see
 * `server/signature.ts`); without one, the method's own parameter list says.
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
import { parseDeclaration, type Signature, signatureFromSource } from "./server/signature.ts";

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
  /** Signatures declared with the member names (`"echo(message)"`). */
  signatures: Map<string, Signature>;
}

const exposures = new WeakMap<Target, Exposure>();
// Functions decorated as members; matched against the prototype when metadata is made.
const exposedFunctions = new WeakSet<object>();
const onewayFunctions = new WeakSet<object>();
// Signatures declared on decorated methods (`@expose("(message)")`).
const declaredFunctions = new WeakMap<object, Signature>();

// Metadata is worked out once per class (or plain object) and kept until exposure changes.
let exposureVersion = 0;
const metadataCache = new WeakMap<object, { version: number; metadata: Metadata }>();

function exposureOf(target: Target): Exposure {
  exposureVersion++;
  let e = exposures.get(target);
  if (!e) {
    exposures.set(
      target,
      e = { all: false, names: new Set(), oneway: new Set(), signatures: new Map() },
    );
  }
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
  if (FORBIDDEN.has(name)) {
    throw new TypeError(
      `cannot expose ${JSON.stringify(name)}: it belongs to the JavaScript object model`,
    );
  }
  if (isPrivateName(name)) {
    throw new TypeError(
      `cannot expose private member ${
        JSON.stringify(name)
      }: names starting with _ are never exposed (except __dunder__ names)`,
    );
  }
}

/**
 * Python's own special names, never reachable even when dunder-shaped.
 * Python: `Pyro5.server._private_dunder_methods`.
 */
const PYTHON_PRIVATE_DUNDERS: ReadonlySet<string> = new Set([
  "__init__",
  "__init_subclass__",
  "__class__",
  "__module__",
  "__weakref__",
  "__call__",
  "__new__",
  "__del__",
  "__repr__",
  "__str__",
  "__format__",
  "__nonzero__",
  "__bool__",
  "__coerce__",
  "__cmp__",
  "__eq__",
  "__ne__",
  "__hash__",
  "__ge__",
  "__gt__",
  "__le__",
  "__lt__",
  "__dir__",
  "__enter__",
  "__exit__",
  "__copy__",
  "__deepcopy__",
  "__sizeof__",
  "__getattr__",
  "__setattr__",
  "__hasattr__",
  "__getattribute__",
  "__delattr__",
  "__instancecheck__",
  "__subclasscheck__",
  "__getinitargs__",
  "__getnewargs__",
  "__getstate__",
  "__setstate__",
  "__reduce__",
  "__reduce_ex__",
  "__subclasshook__",
]);

/**
 * Pyro5's rule for private names: `_x` and `__x` are private, `__x__` (longer than four
 * characters) is not, unless it is one of Python's own special names.
 * Python: `Pyro5.server.is_private_attribute`.
 *
 * @param name a member name
 * @returns true when the name is never reachable by clients
 */
export function isPrivateName(name: string): boolean {
  if (PYTHON_PRIVATE_DUNDERS.has(name)) return true;
  if (!name.startsWith("_")) return false;
  return !(name.length > 4 && name.startsWith("__") && name.endsWith("__"));
}

/** Names of the JavaScript object model that are never reachable, whatever is exposed. */
const FORBIDDEN: ReadonlySet<string> = new Set([
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
 * A decorator that exposes a method with a declared signature.
 *
 * @param signature the parameters, `"(message, verbose?, **options)"` (the name may be given)
 * @returns the decorator
 * @example
 * ```ts
 * import { expose } from "@pyro5/pyro5";
 * class Echo { echo(message: unknown) { return message; } }
 * // As a decorator it stands before the method: `@expose("(message)") echo(message) {...}`.
 * expose("(message)")(Echo.prototype.echo, { kind: "method", name: "echo" });
 * ```
 */
export function expose(
  signature: string,
): <F>(value: F, context: { kind: string; name: string | symbol }) => F;
/**
 * Exposes a class (every public method and accessor), an object, or the named
 * members of either. As a decorator: on a class, or on a method, getter, setter
 * or field. Python: `@Pyro5.api.expose`.
 *
 * @param target the class or object; or, as a decorator, the decorated value
 * @param names members to expose, one by one or as one array; none means all public methods
 *   and accessors. A name may carry its signature, `"configure(level, verbose?, **options)"`:
 *   how Python callers' keyword arguments bind (names without `?` are required).
 * @returns the target (so it can wrap a class expression)
 * @example
 * ```ts
 * import { expose } from "@pyro5/pyro5";
 * class Greeter { hello(name: string) { return `Hello, ${name}`; } }
 * expose(Greeter);
 * class Calc { add(a: number, b: number) { return a + b; } div(a: number, b: number) { return a / b; } }
 * expose(Calc, ["add(a, b)", "div(a, b)"]);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function expose<T>(target: T, ...names: any[]): T;
// deno-lint-ignore no-explicit-any
export function expose(target: any, ...names: any[]): any {
  if (typeof target === "string" && names.length === 0) {
    const declared = parseDeclaration(target);
    return (value: object, context: DecoratorContext) => {
      if (!isDecoratorContext(context) || context.kind !== "method") {
        throw new TypeError("a signature can only be declared on a method");
      }
      const name = String(context.name);
      if (declared.name && declared.name !== name) {
        throw new TypeError(`signature ${JSON.stringify(target)} is declared on method ${name}`);
      }
      checkName(name);
      exposedFunctions.add(value);
      declaredFunctions.set(value, declared.signature);
      exposureVersion++;
      return value;
    };
  }
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
  const entries = nameList(names);
  if (entries.length === 0) e.all = true;
  // expose(Calc, ["add", "div"]) as well as expose(Calc, "add", "div").
  for (const entry of entries) {
    if (typeof entry === "string" && entry.includes("(")) {
      const { name, signature } = parseDeclaration(entry);
      if (!name) throw new TypeError(`signature ${JSON.stringify(entry)} needs a member name`);
      checkName(name);
      e.names.add(name);
      e.signatures.set(name, signature);
      continue;
    }
    checkName(entry);
    e.names.add(entry);
  }
  return target;
}

// The signature each method was last found to have, and the exposure version it was found at.
const resolvedSignatures = new WeakMap<object, { version: number; signature: Signature }>();

/**
 * The signature a method is called with: its declaration, else its own parameter list. Found
 * once per method and kept until exposure changes, so a call costs one lookup.
 *
 * @param target the object the method is called on
 * @param name the method name
 * @param fn the method
 * @returns the signature
 */
export function signatureOf(
  target: object,
  name: string,
  fn: (...args: never[]) => unknown,
): Signature {
  const cached = resolvedSignatures.get(fn);
  if (cached && cached.version === exposureVersion) return cached.signature;
  const signature = declaredSignature(target, name, fn) ?? signatureFromSource(fn);
  resolvedSignatures.set(fn, { version: exposureVersion, signature });
  return signature;
}

/**
 * The declared signature of an exposed method, if any: on the decorated function, else with
 * the name in the `expose` call of its class (or a base class) or object.
 *
 * @param target the object the method is called on
 * @param name the method name
 * @param fn the method
 * @returns the declared signature, or undefined
 */
export function declaredSignature(
  target: object,
  name: string,
  fn: object,
): Signature | undefined {
  const onFunction = declaredFunctions.get(fn);
  if (onFunction) return onFunction;
  const own = exposures.get(target)?.signatures.get(name);
  if (own) return own;
  for (
    let c: unknown = (target as { constructor?: unknown }).constructor;
    typeof c === "function" && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    const s = exposures.get(c as Target)?.signatures.get(name);
    if (s) return s;
  }
  return undefined;
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
  return !FORBIDDEN.has(name) && !isPrivateName(name);
}

/**
 * The metadata of an object or class: what `expose`/`oneway` allow, never
 * private names (Pyro5's rule), never the object model. Python: `Pyro5.server._get_exposed_members`.
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
