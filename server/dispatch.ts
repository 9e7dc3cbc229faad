/**
 * Dispatch: what a request does once it has been read, as plain functions that need no socket
 * (a test calls them with a decoded request and a registry entry). The session
 * (`server/session.ts`) reads requests and writes replies around them.
 *
 * - {@linkcode decodeCall}: the object id, method and arguments a request names;
 * - {@linkcode targetOf}: the object a call goes to, made per the class's instance mode;
 * - {@linkcode callMember}: a call of an exposed member, with Python's keyword arguments;
 * - {@linkcode runBatch}: Pyro5's batch of calls;
 * - {@linkcode errorDict} and {@linkcode streamMarker}: what a failed call replies with.
 *
 * @module
 */
import type { ConfigItems } from "../config.ts";
import { asPythonError, AttributeError, DaemonError, ProtocolError } from "../errors.ts";
import {
  type AnyClass,
  behaviorOf,
  exposedMembers,
  isPrivateName,
  type Metadata,
  signatureOf,
} from "../expose.ts";
import { Annotation, Flags } from "../protocol/constants.ts";
import type { Message } from "../protocol/message.ts";
import { getSerializer } from "../serializers/mod.ts";
import { errorToDict, ExceptionWrapper } from "../serializers/registry.ts";
import { type Call, type Serializer, tuple } from "../serializers/types.ts";
import { SerializedBlob } from "../client/blob.ts";
import { decodingWith } from "../client/received_config.ts";
import { pythonTraceback } from "./traceback.ts";
import { bindArguments, passesAsIs } from "./signature.ts";

/** The longest object id and method name a call may name. */
const MAX_NAME_LENGTH = 1024;

/** What a daemon holds under an object id: an object, or a class made per its instance mode. */
export type Registered = { kind: "object"; obj: object } | {
  kind: "class";
  cls: AnyClass;
  /** The one instance of a class in `single` mode, once made. */
  single?: object;
};

/**
 * Raised for a lookup that fails before any call runs (unknown, private or unexposed member);
 * it aborts a whole batch, as in Pyro5, where other errors end the batch with a result.
 */
export class LookupError extends AttributeError {}

/**
 * Reads what an INVOKE request asks for. A KEEPSERIALIZED request names object and method in
 * its BLBI annotation (always marshal) and its payload becomes a {@linkcode SerializedBlob}.
 *
 * @param message the request
 * @param serializer the request's serializer
 * @param config the daemon's config (the decoding limits)
 * @returns object id, method and arguments
 * @throws {ProtocolError} for a request without its annotation or with names too long
 */
export function decodeCall(
  message: Message,
  serializer: Serializer,
  config: ConfigItems,
): Call {
  let call: Call;
  if (message.flags & Flags.KEEPSERIALIZED) {
    const info = message.annotations.get(Annotation.BLOB_INFO);
    if (!info) throw new ProtocolError("KEEPSERIALIZED call without a BLBI annotation");
    const [blobInfo, objectId, method] = getSerializer("marshal").loads(info) as [
      unknown,
      string,
      string,
    ];
    const blob = new SerializedBlob(blobInfo, undefined, {
      serializerId: serializer.id,
      bytes: message.payload,
    });
    call = { objectId, method, vargs: [blob], kwargs: {} };
  } else {
    call = decodingWith(config, () => serializer.loadsCall(message.payload));
  }
  if (call.objectId.length > MAX_NAME_LENGTH || call.method.length > MAX_NAME_LENGTH) {
    throw new ProtocolError(
      `object id or method name too long (${call.objectId.length} and ${call.method.length} characters; at most ${MAX_NAME_LENGTH})`,
    );
  }
  return call;
}

/**
 * The object a call goes to: the registered object, or an instance of the registered class
 * per its instance mode (`session` instances are kept per connection in `sessionInstances`).
 *
 * @param registered what the object id is registered as (undefined: nothing)
 * @param sessionInstances this connection's instances, by class
 * @returns the target object
 * @throws {DaemonError} for an unknown object id
 */
export function targetOf(
  registered: Registered | undefined,
  sessionInstances: Map<AnyClass, object>,
): object {
  if (!registered) throw new DaemonError("unknown object");
  if (registered.kind === "object") return registered.obj;
  const cls = registered.cls;
  const { instanceMode, instanceCreator } = behaviorOf(cls);
  const make = () =>
    (instanceCreator ? instanceCreator(cls) : new (cls as new () => object)()) as object;
  if (instanceMode === "percall") return make();
  if (instanceMode === "single") return registered.single ??= make();
  let instance = sessionInstances.get(cls);
  if (!instance) sessionInstances.set(cls, instance = make());
  return instance;
}

/**
 * Calls a member after checking that it is exposed; `__getattr__` and `__setattr__` read and
 * write exposed attributes, as Pyro5's requests of those names do.
 *
 * @param target the object
 * @param method the member's name
 * @param vargs positional arguments
 * @param kwargs keyword arguments (they fill the parameters by name, as in Python), or null
 * @returns what the member returns (maybe a promise)
 * @throws {LookupError} for an unknown, private or unexposed member
 */
export function callMember(
  target: object,
  method: string,
  vargs: unknown[],
  kwargs: Record<string, unknown> | null,
): unknown {
  const meta = exposedMembers(target);
  if (method === "__getattr__" || method === "__setattr__") {
    return accessAttribute(target, meta, method, vargs);
  }
  if (!meta.methods.has(method)) {
    const message = isPrivateName(method)
      ? `attempt to access private attribute '${method}'`
      : meta.attrs.has(method) || method in target
      ? `attempt to access unexposed attribute '${method}'`
      : `'${target.constructor?.name ?? "object"}' object has no attribute '${method}'`;
    throw new LookupError(message);
  }
  const fn = (target as Record<string, unknown>)[method] as (...args: unknown[]) => unknown;
  if (kwargs !== null && (typeof kwargs !== "object" || Array.isArray(kwargs))) {
    throw asPythonError(
      new TypeError("keyword arguments must be a mapping"),
      "builtins.TypeError",
    );
  }
  const signature = signatureOf(target, method, fn);
  const args = passesAsIs(signature, vargs, kwargs)
    ? vargs
    : bindArguments(qualifiedName(target, method), signature, vargs, kwargs);
  return fn.apply(target, args);
}

/**
 * Pyro5's batch: the calls in order; the first that fails ends the batch with an
 * `_ExceptionWrapper` as its last result, except a failed lookup, which fails the whole batch.
 *
 * @param target the object
 * @param calls `(method, args, kwargs)` triples
 * @param detailedTraceback the config's DETAILED_TRACEBACK, for the wrapped error's traceback
 * @returns the results
 * @throws {ProtocolError} for a malformed call, {@linkcode LookupError} for a failed lookup
 */
export async function runBatch(
  target: object,
  calls: unknown[],
  detailedTraceback: boolean,
): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const c of calls) {
    if (!Array.isArray(c) || c.length !== 3 || typeof c[0] !== "string" || !Array.isArray(c[1])) {
      throw new ProtocolError("invalid batch call: expected (method, args, kwargs)");
    }
    try {
      let result = await callMember(target, c[0], c[1], c[2] as Record<string, unknown> | null);
      if (result instanceof Promise) result = await result;
      results.push(result);
    } catch (e) {
      if (e instanceof LookupError) throw e;
      const error = e instanceof Error ? e : new Error(String(e));
      (error as { _pyroTraceback?: string[] })._pyroTraceback ??= pythonTraceback(
        error,
        detailedTraceback,
      );
      results.push(new ExceptionWrapper(error));
      break;
    }
  }
  return results;
}

/**
 * The reply value of a failed call: the error as Pyro5's exception dict, with its traceback.
 *
 * @param e what was thrown
 * @param detailedTraceback the config's DETAILED_TRACEBACK
 * @returns the dict to serialize
 */
export function errorDict(e: unknown, detailedTraceback: boolean): Record<string, unknown> {
  const error = e instanceof Error ? e : new Error(String(e));
  const dict = errorToDict(error);
  const attributes = dict.attributes as Record<string, unknown>;
  attributes._pyroTraceback = pythonTraceback(error, detailedTraceback);
  return dict;
}

/**
 * The reply value of a call that returned an iterator: Pyro5's marker, a ProtocolError that a
 * client without streaming raises (the reply's STRM annotation names the stream).
 *
 * @returns the dict to serialize
 */
export function streamMarker(): Record<string, unknown> {
  return {
    __class__: "Pyro5.errors.ProtocolError",
    __exception__: true,
    args: tuple("result of call is an iterator"),
    attributes: { _pyroTraceback: null },
  };
}

/** Python's `Class.method` for errors: the class that defines the method, else just the name. */
function qualifiedName(target: object, method: string): string {
  for (
    let p = Object.getPrototypeOf(target);
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    if (Object.hasOwn(p, method)) {
      const name = (p as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === "string" && name ? `${name}.${method}` : method;
    }
  }
  return method;
}

/**
 * Reads or writes an exposed attribute, as Pyro5's `__getattr__`/`__setattr__` requests do:
 * anything unexposed, unknown or read-only is Python's `AttributeError`.
 */
function accessAttribute(
  target: object,
  meta: Metadata,
  method: "__getattr__" | "__setattr__",
  vargs: unknown[],
): unknown {
  const name = vargs[0];
  const refuse = () =>
    new AttributeError(`attempt to access unexposed or unknown remote attribute '${name}'`);
  if (typeof name !== "string" || !meta.attrs.has(name)) throw refuse();
  if (method === "__getattr__") return (target as Record<string, unknown>)[name];
  // A getter without a setter, a non-writable or frozen field: Reflect.set says false.
  if (!Reflect.set(target, name, vargs[1])) throw refuse();
  return null;
}
