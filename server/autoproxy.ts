/**
 * Autoproxy: a registered object that a call returns, or passes in its arguments, travels as a
 * proxy for itself rather than as a copy of its fields, whichever daemon of this process it is
 * registered with.
 *
 * This is process-wide, as in Pyro5 (which marks the object with `_pyroDaemon` and registers a
 * type replacement with every serializer): the serializers' class registry is one per process,
 * so the first registration of an instance of a class makes every later instance of that class
 * go through {@linkcode enableAutoproxy}'s converter, which turns registered instances into
 * proxies and leaves the others plain dicts (`__class__` and their own fields).
 *
 * @module
 */
import { type AnyClass, exposedMembers } from "../expose.ts";
import { registerClassToDict } from "../serializers/registry.ts";
import { tuple } from "../serializers/types.ts";
import type { URI } from "../uri.ts";

/** Whatever hands out the URI of the objects registered with it: a daemon. */
export interface UriSource {
  /** The URI of a registered object. */
  uriFor(obj: object): URI;
}

// Which daemon each registered object belongs to (Pyro5: the object's _pyroDaemon).
const ownerOf = new WeakMap<object, UriSource>();
// The classes whose converter is installed.
const converted = new WeakSet<AnyClass>();

/**
 * Makes `obj` travel as a proxy for itself from now on (until {@linkcode disableAutoproxy}).
 *
 * @param obj a registered object
 * @param owner the daemon it is registered with
 */
export function enableAutoproxy(obj: object, owner: UriSource): void {
  ownerOf.set(obj, owner);
  const cls = obj.constructor as AnyClass | undefined;
  if (!cls || cls === Object || converted.has(cls)) return;
  converted.add(cls);
  registerClassToDict(cls, (instance: object) => {
    const daemon = ownerOf.get(instance);
    return daemon ? proxyState(instance, daemon) : plainDict(instance);
  });
}

/**
 * Makes `obj` travel as a copy again: it was unregistered.
 *
 * @param obj the object
 */
export function disableAutoproxy(obj: object): void {
  ownerOf.delete(obj);
}

/** What a Python client rebuilds as a `Pyro5.client.Proxy`: its pickle state. */
function proxyState(obj: object, daemon: UriSource): Record<string, unknown> {
  const meta = exposedMembers(obj);
  return {
    __class__: "Pyro5.client.Proxy",
    state: tuple(
      String(daemon.uriFor(obj)),
      tuple(...meta.oneway),
      tuple(...meta.methods),
      tuple(...meta.attrs),
      "hello",
      null,
    ),
  };
}

function plainDict(obj: object): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) dict[key] = (obj as Record<string, unknown>)[key];
  dict.__class__ = obj.constructor?.name ?? "object";
  return dict;
}
