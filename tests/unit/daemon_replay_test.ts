// Our daemon against the conversations recorded from Python Pyro5's (tests/vectors/messages.json):
// a scripted peer (tests/scripted_peer.ts) sends each request exactly as the Python client did,
// and every reply is compared with the one Python's daemon sent. The objects served are the
// TypeScript port of gen_vectors.py's, section 4, registered as there: the main daemon on
// 127.0.0.1:47001 (`svc`, `other`), the handshake-checking one on 127.0.0.1:47003 (`svc`), here
// on an in-memory transport at the same addresses, so URIs and locations come out the same.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ClientConnection, Daemon, expose, oneway } from "../../server.ts";
import { ProxyCore, type SerializedBlob } from "../../client.ts";
import { currentContext } from "../../context.ts";
import { asPythonError, NamingError, SecurityError } from "../../errors.ts";
import type { ConfigItems } from "../../config.ts";
import { memoryTransport } from "../../transport/mod.ts";
import { Annotation, decompress, Flags, MsgType } from "../../protocol/mod.ts";
import {
  errorToDict,
  ExceptionWrapper,
  getSerializer,
  TUPLE,
  tuple,
} from "../../serializers/mod.ts";
import { fromHex, loadVectors, toHex } from "../helpers.ts";
import {
  correlationHex,
  type Received,
  replay,
  type ReplyPair,
  type Scenario,
} from "../scripted_peer.ts";

// --- gen_vectors.py, section 4: the served objects --------------------------------------------

class Other {
  hello() {
    return "hello from other";
  }
}
expose(Other);

class Service {
  #value = 7;
  readonly other = new Other();
  fired: unknown;

  echo(x: unknown) {
    return x;
  }
  add(a: number, b = 0) {
    return a + b;
  }
  fail(): never {
    throw asPythonError(new Error("boom"), "builtins.ValueError");
  }
  fail_custom(): never {
    // gen_vectors.py's CustomError lives in its __main__.
    throw asPythonError(new Error("custom failure"), "__main__.CustomError");
  }
  fail_pyro(): never {
    throw new NamingError("some naming problem");
  }
  fire(x: unknown) {
    this.fired = x;
  }
  *gen() {
    yield "one";
    yield "two";
    yield "three";
  }
  counter(n: number) {
    return Array.from({ length: n }, (_, i) => i).values(); // Python: iter(range(n))
  }
  annotated() {
    currentContext.responseAnnotations = { RESP: new TextEncoder().encode("ok") };
    return tuple(
      Object.keys(currentContext.annotations).sort(),
      String(currentContext.correlationId),
    );
  }
  get_other() {
    return this.other;
  }
  process_blob(blob: SerializedBlob) {
    return [blob.info, blob.deserialized()];
  }
  get value() {
    return this.#value;
  }
  set value(v: number) {
    this.#value = v;
  }
}
expose(Service);
oneway(Service, "fire");

/** Python's repr() of the handshake data this test sends: strings and flat dicts. */
function pyRepr(value: unknown): string {
  if (typeof value === "string") return value.includes("'") ? JSON.stringify(value) : `'${value}'`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  }
  return String(value);
}

class HandshakeDaemon extends Daemon {
  override validateHandshake(_conn: ClientConnection, data: unknown): unknown {
    const d = data as Record<string, unknown> | null;
    if (!d || typeof d !== "object" || Object.keys(d).length !== 1 || d.secret !== "letmein") {
      throw new SecurityError(`handshake refused: ${pyRepr(data)}`);
    }
    return { welcome: true };
  }
}

const HOST = "127.0.0.1";
const PORT_DAEMON = 47001;
const PORT_HS_DAEMON = 47003;

/** Both daemons of gen_vectors.py's main(), fresh for one scenario. */
async function startDaemons(config: Partial<ConfigItems>) {
  const transport = memoryTransport();
  const daemon = await Daemon.create({ host: HOST, port: PORT_DAEMON, transport, config });
  const svc = new Service();
  daemon.register(svc, "svc");
  daemon.register(svc.other, "other");
  const hsDaemon = await HandshakeDaemon.create({
    host: HOST,
    port: PORT_HS_DAEMON,
    transport,
    config,
  });
  hsDaemon.register(new Service(), "svc");
  return {
    svc,
    connect: (port: number) => () => transport.connect({ hostname: HOST, port }),
    async [Symbol.asyncDispose]() {
      await daemon.close();
      await hsDaemon.close();
    },
  };
}

// --- which scenarios, and how -----------------------------------------------------------------

const scenarios = loadVectors("messages.json") as Record<string, Scenario>;

/** Scenarios that cannot be replayed, with why. None so far: every recorded one replays. */
const NOT_REPLAYED: Record<string, string> = {};

/** Daemon config per scenario, as gen_vectors.py set it while recording. */
const SCENARIO_CONFIG: Record<string, Partial<ConfigItems>> = {
  compression: { COMPRESSION: true }, // config.COMPRESSION = True on both sides
};

/** The scenarios gen_vectors.py recorded through the handshake-checking daemon's relay. */
const HANDSHAKE_SCENARIOS = new Set(["handshake_custom_ok", "handshake_refused"]);

/**
 * Replies that hold `Pyro.Daemon.info()`'s text, named by scenario and message index. Python's
 * reads "Pyro.Daemon bound on 127.0.0.1:47001, NAT None, 3 objects registered. Servertype:
 * <SocketServer_Threadpool on 127.0.0.1:47001; 4 workers>": ours must match it word for word
 * up to the server type, which names our own server in the same form.
 */
const DAEMON_INFO = new Set(["daemon_object#7"]);

/** The server type at the end of the info text: `<Name on location; detail>`. */
const SERVERTYPE = /^(.*Servertype: )<\w+ on ([^;>]+)(; [^>]*)?>$/s;

// --- comparison -------------------------------------------------------------------------------

/** What normalising had to set free in a value (so its bytes may legitimately differ). */
type Freed = Set<string>;

/**
 * A value as the comparison sees it: tuples, sets and bytes tagged (a Python client tells
 * them apart), sets and the metadata lists of json/msgpack sorted (their order is Python's hash
 * order), remote tracebacks reduced to their last line, errors and proxies to their fields.
 */
function normalise(value: unknown, freed: Freed, key?: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) return { bytes: toHex(value) };
  if (value instanceof Set) {
    if (value.size > 1) freed.add("set order");
    return { set: [...value].map((v) => normalise(v, freed)).sort() };
  }
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v, freed));
    if ((value as { [TUPLE]?: boolean })[TUPLE]) return { tuple: items };
    if (key === "methods" || key === "oneway" || key === "attrs") {
      if (items.length > 1) freed.add("set order");
      return { set: items.sort() };
    }
    return items;
  }
  if (value instanceof ExceptionWrapper) {
    return { exceptionWrapper: normalise(value.exception, freed) };
  }
  if (value instanceof Error) {
    const dict = errorToDict(value);
    const attributes = { ...dict.attributes as Record<string, unknown> };
    const tb = attributes._pyroTraceback;
    if (Array.isArray(tb)) {
      freed.add("traceback");
      // The exception line only (the frames are JavaScript's, not Python's); like Python's, it
      // names a class outside builtins and __main__ with its module: "Pyro5.errors.NamingError".
      attributes._pyroTraceback = { tracebackEndsWith: String(tb.at(-1)) };
    }
    return { ...dict, args: normalise(dict.args, freed), attributes };
  }
  if (value instanceof ProxyCore) {
    return {
      proxy: String(value._pyroUri),
      methods: [...value._pyroMethods].sort(),
      oneway: [...value._pyroOneway].sort(),
      attrs: [...value._pyroAttrs].sort(),
      handshake: normalise(value._pyroHandshake, freed),
      serializer: value._pyroSerializer,
    };
  }
  const out: Record<string, unknown> = {};
  const entries = value instanceof Map ? [...value] : Object.entries(value);
  const metadata = entries.length === 3 &&
    entries.every(([k]) => k === "methods" || k === "oneway" || k === "attrs");
  for (const [k, v] of entries) out[String(k)] = normalise(v, freed, metadata ? k : undefined);
  return out;
}

const MARSHAL_ID = getSerializer("marshal").id;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function payloadOf(received: Received): Promise<Uint8Array> {
  const m = received.message;
  return m.flags & Flags.COMPRESSED ? await decompress(m.payload, 1 << 26) : m.payload;
}

/** Compares one reply of ours with Python's. */
async function checkReply(name: string, pair: ReplyPair): Promise<void> {
  const { index, recorded, request, received } = pair;
  const label = `${name}#${index} ${recorded.type_name} seq ${recorded.seq}`;
  assert.ok(received, `${label}: our daemon sent no reply (it closed the connection)`);
  const m = received.message;
  assert.equal(m.type, recorded.type, `${label}: message type`);
  assert.equal(m.seq, recorded.seq, `${label}: seq`);
  assert.equal(m.serializerId, recorded.serializer_id, `${label}: serializer id`);
  // Both daemons set CORR_ID on every reply: the request's id, or one they make up.
  assert.equal(m.flags, recorded.flags, `${label}: flags`);
  const corr = correlationHex(received);
  if (request && request.flags & Flags.CORR_ID) {
    assert.equal(corr, request.correlation_id, `${label}: the request's correlation id echoed`);
  } else {
    const uuid = corr?.replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    assert.match(uuid ?? "", UUID4, `${label}: a fresh uuid4 correlation id, like uuid.uuid4()`);
  }

  assert.deepEqual(
    [...m.annotations.keys()],
    Object.keys(recorded.annotations),
    `${label}: annotation ids`,
  );
  for (const [id, value] of m.annotations) {
    if (id === Annotation.STREAM) {
      // The stream id: Python's is a uuid4 too (the recorder numbered them).
      assert.match(new TextDecoder().decode(value), UUID4, `${label}: STRM is a uuid4`);
      assert.match(new TextDecoder().decode(fromHex(recorded.annotations[id])), UUID4);
    } else assert.equal(toHex(value), recorded.annotations[id], `${label}: annotation ${id}`);
  }

  const ours = await payloadOf(received);
  const theirs = fromHex(recorded.payload_decompressed_hex ?? recorded.payload_hex);
  const freed: Freed = new Set();
  if (DAEMON_INFO.has(`${name}#${index}`)) {
    const serializer = getSerializer(m.serializerId);
    const [ourText, theirText] = [ours, theirs].map((p) => String(serializer.loads(p)));
    const [ourInfo, theirInfo] = [ourText, theirText].map((t) => SERVERTYPE.exec(t));
    assert.ok(theirInfo, `${label}: Python's info text has a server type: ${theirText}`);
    assert.ok(ourInfo, `${label}: info text ends with a server type: ${ourText}`);
    assert.equal(ourInfo[1], theirInfo[1], `${label}: info text, as Python's`);
    assert.equal(ourInfo[2], theirInfo[2], `${label}: the server type's location`);
    return;
  }
  if (m.serializerId !== 42) { // 42: PING's raw bytes
    const serializer = getSerializer(m.serializerId);
    const ourValue = normalise(serializer.loads(ours), new Set());
    const theirValue = normalise(serializer.loads(theirs), freed);
    assert.deepEqual(ourValue, theirValue, `${label}: decoded payload`);
  }
  // Where nothing had to be set free, the bytes are Python's, and so is the whole frame but for
  // the correlation id (and a compressed payload, zlib's own output).
  // Marshal is compared by value only: CPython's marshal sets FLAG_REF and interns strings by
  // reference counts (e9 for an int 3 that is shared, 69 for one that is not).
  if (m.serializerId === MARSHAL_ID) freed.add("marshal references");
  if (freed.size === 0) {
    assert.equal(toHex(ours), toHex(theirs), `${label}: payload bytes`);
    if (!(m.flags & Flags.COMPRESSED) && !m.annotations.has(Annotation.STREAM)) {
      const frame = toHex(received.bytes);
      const full = recorded.full_hex;
      const masked = (hex: string) => hex.slice(0, 40) + "-".repeat(32) + hex.slice(72);
      assert.equal(masked(frame), masked(full), `${label}: the whole frame`);
    }
  }
}

/** What a oneway call left on `svc`, per scenario: Python's daemon ran them too, unseen on the wire. */
const FIRED: Record<string, string> = { oneway: "x", batch_oneway: "b" };

async function replayAndCheck(name: string, chunkSize?: number): Promise<void> {
  const scenario = scenarios[name];
  await using daemons = await startDaemons(SCENARIO_CONFIG[name] ?? {});
  const port = HANDSHAKE_SCENARIOS.has(name) ? PORT_HS_DAEMON : PORT_DAEMON;
  const result = await replay(scenario, daemons.connect(port), { chunkSize });
  const replies = scenario.messages.filter((m) => m.direction === "s2c");
  assert.equal(result.pairs.length, replies.length);
  for (const pair of result.pairs) await checkReply(name, pair);
  for (const [connection, extra] of result.extra) {
    assert.deepEqual(
      extra.map((r) => `${r.message.type} seq ${r.message.seq}`),
      [],
      `${name}: connection ${connection}: replies Python's daemon did not send`,
    );
    // Pyro5 closes a connection it refused; any other stays open.
    const last = scenario.messages.filter((m) => m.connection === connection).at(-1);
    assert.equal(
      result.ended.get(connection),
      last?.type === MsgType.CONNECTFAIL,
      `${name}: connection ${connection} closed by the daemon`,
    );
  }
  if (name in FIRED) {
    // A oneway batch runs on its own; it ends within a few turns of the event loop.
    for (let i = 0; i < 100 && daemons.svc.fired === undefined; i++) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(daemons.svc.fired, FIRED[name], `${name}: the oneway call ran`);
  }
}

describe("daemon replays Python Pyro5's recorded conversations", () => {
  it("has every scenario either replayed or listed with the reason", () => {
    assert.ok(Object.keys(scenarios).length >= 28);
    for (const name of Object.keys(NOT_REPLAYED)) assert.ok(name in scenarios, name);
  });

  for (const name of Object.keys(scenarios)) {
    if (name in NOT_REPLAYED) continue;
    it(`${name}: ${scenarios[name].description}`, () => replayAndCheck(name));
  }
});

// STYLE item 10: the same conversations with every request cut into 1- and 2-byte writes.
for (const chunkSize of [1, 2]) {
  describe(`daemon replays, the requests written in ${chunkSize}-byte chunks`, () => {
    for (const name of Object.keys(scenarios)) {
      if (name in NOT_REPLAYED) continue;
      it(name, () => replayAndCheck(name, chunkSize));
    }
  });
}
