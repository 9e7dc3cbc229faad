/**
 * The call context: per-call facts that travel with a request, kept in an
 * `AsyncLocalStorage` so that every await inside a call sees its own.
 * Python: `Pyro5.api.current_context` (thread-local there).
 *
 * Outside any call, `currentContext` is a process-wide default context: set
 * `currentContext.correlationId` or `currentContext.annotations` there and
 * the proxies of this process send them, as Pyro5's main thread does.
 *
 * Where the runtime has no `AsyncLocalStorage` (a browser), there is only that
 * process-wide context, and it is all a client needs: the correlation id and
 * annotations set on it go with every call, and `responseAnnotations` holds
 * those of the last reply. `runWithContext` then holds its context only for
 * the synchronous part of its function, not across awaits.
 *
 * @example
 * ```ts
 * import { currentContext } from "@pyro5/pyro5";
 * currentContext.correlationId = crypto.randomUUID(); // sent with every following call
 * ```
 *
 * @module
 */
import type { PeerCertificate } from "./transport/types.ts";
import { optionalBuiltin } from "./transport/builtin.ts";

/** Something a call context can close when the client disconnects. */
export interface TrackedResource {
  /** Releases the resource. */
  close(): unknown;
}

/** The per-call facts. */
export interface CallContext {
  /** The correlation id (UUID text) of this call, or null. */
  correlationId: string | null;
  /** Annotations sent with requests from this context; on a server, those received with the request. */
  annotations: Record<string, Uint8Array>;
  /** Annotations a server method sets for its reply; on a client, those of the last reply. */
  responseAnnotations: Record<string, Uint8Array>;
  /** Server side: the client's address (`host:port`, or a socket path). */
  clientSockAddr: string | null;
  /** Server side: the request's sequence number. */
  seq: number;
  /** Server side: the request's message flags. */
  msgFlags: number;
  /** Server side: the request's serializer id. */
  serializerId: number;
  /** Server side: the client connection object, for `trackResource`. */
  client:
    | {
      trackResource(r: TrackedResource): void;
      untrackResource(r: TrackedResource): void;
      readonly peerCertificate?: PeerCertificate | null;
    }
    | null;
}

/** A fresh context with nothing set. */
export function newCallContext(init: Partial<CallContext> = {}): CallContext {
  return {
    correlationId: null,
    annotations: {},
    responseAnnotations: {},
    clientSockAddr: null,
    seq: 0,
    msgFlags: 0,
    serializerId: 0,
    client: null,
    ...init,
  };
}

/** The part of `AsyncLocalStorage` the context uses. */
interface ContextStorage {
  getStore(): CallContext | undefined;
  run<T>(context: CallContext, fn: () => T): T;
}

/** Without `AsyncLocalStorage`, a context holds while `fn` runs synchronously. */
function synchronousStorage(): ContextStorage {
  let current: CallContext | undefined;
  return {
    getStore: () => current,
    run(context, fn) {
      const outer = current;
      current = context;
      try {
        return fn();
      } finally {
        current = outer;
      }
    },
  };
}

type AsyncHooks = { AsyncLocalStorage: new () => ContextStorage };
const hooks = optionalBuiltin<AsyncHooks>("node:async_hooks");
const storage: ContextStorage = hooks ? new hooks.AsyncLocalStorage() : synchronousStorage();
const processContext = newCallContext();

/** The context in force where this is called. */
export function activeContext(): CallContext {
  return storage.getStore() ?? processContext;
}

/**
 * Runs `fn` with `context` as the current context (across its awaits).
 *
 * @param context the context
 * @param fn what to run
 * @returns what `fn` returns
 * @example
 * ```ts
 * import { currentContext, newCallContext, runWithContext } from "@pyro5/pyro5";
 * runWithContext(newCallContext({ correlationId: "11112222-3333-4444-5555-666677778888" }), () => {
 *   console.log(currentContext.correlationId);
 * });
 * ```
 */
export function runWithContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current context, plus resource tracking (Python: `current_context`). */
export interface CurrentContext extends CallContext {
  /** Closes `resource` when the calling client disconnects (server side). */
  trackResource(resource: TrackedResource): void;
  /** Stops tracking `resource`. */
  untrackResource(resource: TrackedResource): void;
  /**
   * Server side, over TLS: the calling client's certificate (null when it presented none);
   * undefined outside calls and on plain connections. Python: `conn.getpeercert()`.
   */
  readonly peerCertificate: PeerCertificate | null | undefined;
}

function field<K extends keyof CallContext>(key: K): PropertyDescriptor {
  return {
    enumerable: true,
    get: () => activeContext()[key],
    set: (value: CallContext[K]) => {
      activeContext()[key] = value;
    },
  };
}

/**
 * The context of the call being handled, or the process-wide one outside
 * calls. Python: `Pyro5.api.current_context`.
 */
export const currentContext: CurrentContext = Object.defineProperties(
  {
    trackResource(resource: TrackedResource): void {
      const client = activeContext().client;
      if (!client) throw new Error("trackResource: not inside a call handled by a daemon");
      client.trackResource(resource);
    },
    untrackResource(resource: TrackedResource): void {
      activeContext().client?.untrackResource(resource);
    },
  },
  {
    correlationId: field("correlationId"),
    annotations: field("annotations"),
    responseAnnotations: field("responseAnnotations"),
    clientSockAddr: field("clientSockAddr"),
    seq: field("seq"),
    msgFlags: field("msgFlags"),
    serializerId: field("serializerId"),
    client: field("client"),
    peerCertificate: { enumerable: true, get: () => activeContext().client?.peerCertificate },
  },
) as CurrentContext;
