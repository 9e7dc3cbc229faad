#!/usr/bin/env node
// `pyro5 doctor`: Pyro5's checklist for "Failed to locate the nameserver" and "Connection refused"
// (the Tips & Tricks page), run against the real setup, each finding printed with its fix.
import { parseCommandLine } from "./_argparse.ts";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { config, readEnvironmentAccess } from "../config.ts";
import { Proxy } from "../client.ts";
import { locateNS, type NameServerProxy } from "../naming.ts";
import { encodeMessage } from "../protocol/message.ts";
import { MsgType, PROTOCOL_VERSION } from "../protocol/constants.ts";
import { getSerializer, type SerializerName } from "../serializers/mod.ts";
import { SERIALIZER_NAMES } from "../serializers/formats.ts";
import { defaultTransport } from "../transport/select.ts";
import type { Connection } from "../transport/types.ts";
import { URI } from "../uri.ts";

const USAGE = `usage: doctor [-h] [-n HOST] [-p PORT] [--remote] [uri ...]

Checks why a name server or a daemon cannot be reached: finds the name server each way (direct,
broadcast), probes every registered daemon (and each uri given) for the protocol version, the
serializers it accepts and the address it listens on, and prints each finding with its fix.

positional arguments:
  uri                   more objects to check (PYRO:..., PYRONAME:...)

options:
  -h, --help            show this help message and exit
  -n HOST, --host HOST  the name server's host (default: config NS_HOST)
  -p PORT, --port PORT  the name server's port (default: config NS_PORT)
  --remote              the clients run on other machines: loopback addresses are problems`;
const SPEC = { prog: "doctor", usage: USAGE, positionals: true, shortUsage: false };

const SERIALIZERS: readonly SerializerName[] = SERIALIZER_NAMES;

/** One finding: `ok`, a `note` worth knowing, or a `problem` with its fix. */
interface Finding {
  level: "ok" | "note" | "problem";
  text: string;
  fix?: string;
}

const findings: Finding[] = [];
let loopbackUris = 0;

function report(level: Finding["level"], text: string, fix?: string): void {
  findings.push({ level, text, fix });
  const mark = level === "ok" ? "[ok]     " : level === "note" ? "[note]   " : "[problem]";
  console.log(`${mark} ${text}`);
  if (fix) console.log(`          fix: ${fix}`);
}

const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || host.startsWith("127.") || host === "[::1]";

function where(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function reasonOf(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

function checkConfig(): void {
  if (!SERIALIZERS.includes(config.SERIALIZER as SerializerName)) {
    report(
      "problem",
      `SERIALIZER is '${config.SERIALIZER}', not a serializer Pyro5 knows`,
      `set PYRO_SERIALIZER to one of ${SERIALIZERS.join(", ")} (default serpent)`,
    );
  }
  const env = readEnvironmentAccess();
  if (env.access === "none") {
    report(
      "note",
      `PYRO_* environment variables cannot be read (${env.reason})`,
      "Deno: run with --allow-env=PYRO_* so that PYRO_* settings take effect",
    );
  }
  if (config.NATHOST || config.NATPORT) {
    report(
      config.NATHOST ? "note" : "problem",
      `NAT settings: NATHOST=${config.NATHOST ?? "None"} NATPORT=${config.NATPORT}`,
      config.NATHOST
        ? "daemons will put NATHOST:NATPORT in their URIs; the router must forward it to them"
        : "NATPORT without NATHOST does nothing: set PYRO_NATHOST to the router's external address",
    );
  }
}

async function checkHostname(): Promise<void> {
  const name = hostname();
  try {
    const { address } = await lookup(name);
    if (isLoopback(address)) {
      report(
        "note",
        `this machine's hostname '${name}' resolves to ${address} (loopback)`,
        "a daemon created with host=<hostname> is then reachable from this machine only: give it " +
          "a network address (Daemon host / PYRO_HOST), or fix /etc/hosts",
      );
    }
  } catch { /* no name resolution: nothing to say about it */ }
}

/** Asks for the name server by UDP broadcast, as clients without a host do. */
async function checkBroadcast(): Promise<string | null> {
  const targets = config.BROADCAST_ADDRS.map((a) => a === "<broadcast>" ? "255.255.255.255" : a);
  const what = `broadcast lookup (${targets.join(", ")} port ${config.NS_BCPORT})`;
  let socket;
  try {
    socket = await (await defaultTransport()).bindDatagram({ hostname: "0.0.0.0", port: 0 });
  } catch (e) {
    report("note", `${what} unavailable: ${reasonOf(e)}`, "Deno: grant --allow-net");
    return null;
  }
  try {
    socket.setBroadcast(true);
    const request = new TextEncoder().encode("GET_NSURI");
    for (const target of targets) {
      await socket.send(request, target, config.NS_BCPORT).catch(() => {});
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = await Promise.race([
      socket.receive(),
      new Promise<null>((r) => timer = setTimeout(() => r(null), 1500)),
    ]);
    clearTimeout(timer);
    if (reply) {
      const uri = new TextDecoder("latin1").decode(reply.data);
      report("ok", `${what}: answered by ${reply.hostname}: ${uri}`);
      return uri;
    }
    report(
      "note",
      `${what}: no name server answered`,
      "Pyro5 starts no broadcast server for a name server on localhost/127.x; start it on a " +
        `network address (pyro5 ns -n <address>), open UDP port ${config.NS_BCPORT} in the ` +
        "firewall, or give clients the name server's host (PYRO_NS_HOST, PYRONAME:name@host:port)",
    );
    return null;
  } finally {
    await socket.close();
  }
}

async function checkDirect(host: string, port: number): Promise<NameServerProxy | null> {
  try {
    const ns = await locateNS(host, port, { broadcast: false });
    report("ok", `name server found directly at ${where(host, port)}: ${ns.uri}`);
    return ns;
  } catch (e) {
    report(
      "problem",
      `no name server at ${where(host, port)}: ${reasonOf((e as Error).cause ?? e)}`,
      `start one: pyro5 ns -n ${host} -p ${port} (Python: python -m Pyro5.nameserver -n ${host} ` +
        `-p ${port}); or point clients at the running one with PYRO_NS_HOST and PYRO_NS_PORT`,
    );
    return null;
  }
}

/** Connects, sends a CONNECT and reads the reply's first bytes: tag, version, message type. */
async function rawHandshake(
  host: string,
  port: number,
): Promise<{ ok: true; version: number; type: number } | { ok: false; reason: string }> {
  const transport = await defaultTransport();
  let connection: Connection;
  try {
    connection = await transport.connect({ hostname: host, port }, { timeout: 3 });
  } catch (e) {
    return { ok: false, reason: reasonOf(e) };
  }
  const reader = connection.readable.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const serializer = getSerializer("serpent");
    await connection.write(encodeMessage({
      type: MsgType.CONNECT,
      serializerId: serializer.id,
      seq: 0,
      payload: serializer.dumps({ handshake: null, object: "Pyro.Daemon" }),
    }));
    let head = new Uint8Array(0);
    const timeout = new Promise<null>((r) => timer = setTimeout(() => r(null), 3000));
    while (head.length < 8) {
      const chunk = await Promise.race([reader.read(), timeout]);
      if (chunk === null) return { ok: true, version: -1, type: -1 };
      if (chunk.done) break;
      const joined = new Uint8Array(head.length + chunk.value.length);
      joined.set(head);
      joined.set(chunk.value, head.length);
      head = joined;
    }
    if (head.length < 8) return { ok: true, version: -2, type: -2 };
    if (new TextDecoder("latin1").decode(head.subarray(0, 4)) !== "PYRO") {
      return { ok: true, version: -3, type: -3 };
    }
    return { ok: true, version: (head[4]! << 8) | head[5]!, type: head[6]! };
  } catch (e) {
    return { ok: false, reason: reasonOf(e) };
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    await connection.close().catch(() => {});
  }
}

/** Other addresses of the same host: the other IP family's loopback, or a name's addresses. */
async function alternatives(host: string): Promise<string[]> {
  if (host === "::1") return ["127.0.0.1"];
  if (host.startsWith("127.")) return ["::1"];
  if (host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host)) return [];
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

async function checkDaemon(name: string, uri: URI, remote: boolean): Promise<void> {
  if (uri.sockname) {
    report("note", `${name}: on Unix socket ${uri.sockname}, reachable from this machine only`);
    return;
  }
  const host = uri.host!;
  const port = uri.port!;
  const at = where(host, port);
  if (isLoopback(host)) {
    if (remote) {
      report(
        "problem",
        `${name}: the URI points at loopback (${at}): clients on other machines get "Connection refused"`,
        "create the daemon on a network address: Daemon host=<address or hostname> (PYRO_HOST), " +
          "or NATHOST/NATPORT behind a router",
      );
    } else loopbackUris++;
  }
  const first = await rawHandshake(host, port);
  if (!first.ok) {
    for (const other of await alternatives(host)) {
      const again = await rawHandshake(other, port);
      if (again.ok) {
        report(
          "problem",
          `${name}: ${at} refused (${first.reason}), but ${where(other, port)} answers: ` +
            "IPv4/IPv6 mismatch or the daemon listens on another interface than its URI says",
          `register the daemon under the address it listens on (${other}), bind it to the URI's ` +
            `address, or set PREFER_IP_VERSION=${other.includes(":") ? 6 : 4} on both sides`,
        );
        return;
      }
    }
    report(
      "problem",
      `${name}: ${
        first.reason.includes(at) ? first.reason : `cannot connect to ${at}: ${first.reason}`
      }`,
      "check that the daemon runs and listens on the address in its URI (Daemon host / " +
        "PYRO_HOST), and that no firewall blocks the port; a stale name server entry can be " +
        `removed with: pyro5 nsc remove ${name}`,
    );
    return;
  }
  if (first.version === -1 || first.version === -2) {
    report(
      "problem",
      `${name}: ${at} accepts connections but ${
        first.version === -1 ? "sends no reply" : "closed the connection"
      } to a Pyro5 CONNECT`,
      "make sure a Pyro5 daemon (protocol 502) listens there, not a Pyro4 daemon or another server",
    );
    return;
  }
  if (first.version === -3) {
    report(
      "problem",
      `${name}: ${at} is not a Pyro daemon (the reply does not start with "PYRO")`,
      "the URI's port belongs to another program: check the daemon's port",
    );
    return;
  }
  if (first.version !== PROTOCOL_VERSION) {
    report(
      "problem",
      `${name}: ${at} speaks Pyro protocol version ${first.version}, not ${PROTOCOL_VERSION}`,
      "client and daemon must both be Pyro5 (protocol 502): Pyro4 and Pyro5 cannot talk",
    );
    return;
  }
  const accepted: string[] = [];
  const refused: string[] = [];
  for (const serializer of SERIALIZERS) {
    const proxy = new Proxy(uri, { serializer, timeout: 3 });
    try {
      await proxy._pyroBind();
      accepted.push(serializer);
    } catch (e) {
      refused.push(`${serializer} (${reasonOf(e)})`);
    } finally {
      await proxy._pyroRelease();
    }
  }
  const ours = config.SERIALIZER;
  if (accepted.length === 0) {
    report(
      "problem",
      `${name}: protocol ${first.version} at ${at}, but no handshake succeeds: ${
        refused.join("; ")
      }`,
      "the daemon refuses the connection: check its handshake (validateHandshake) and the object id",
    );
  } else if (!accepted.includes(ours)) {
    report(
      "problem",
      `${name}: serializer mismatch: the daemon does not take ${ours} (it takes ${
        accepted.join(", ")
      })`,
      `set PYRO_SERIALIZER=${accepted[0]} for the clients, or install ${ours} for the daemon's ` +
        `Python (pip install ${ours === "msgpack" ? "msgpack" : "serpent"})`,
    );
  } else {
    report(
      "ok",
      `${name}: Pyro5 daemon at ${at}, protocol ${first.version}, serializers ${
        accepted.join(", ")
      }`,
    );
  }
}

/**
 * Runs the checklist; exits 1 when a problem was found.
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const cmd = parseCommandLine(SPEC, argv);
  const givenPort = cmd.int("port", undefined);
  const remote = cmd.has("remote");
  checkConfig();
  await checkHostname();
  const host = cmd.text("host") ?? config.NS_HOST;
  const port = givenPort || config.NS_PORT;
  const ns = await checkDirect(host, port);
  const broadcastUri = await checkBroadcast();
  if (!ns && broadcastUri) {
    report(
      "problem",
      `the name server answers broadcasts (${broadcastUri}) but not at ${where(host, port)}`,
      "set PYRO_NS_HOST/PYRO_NS_PORT to its address, or let clients find it by broadcast",
    );
  }
  if (ns) {
    if (isLoopback(ns.uri.host ?? "")) {
      report(
        remote ? "problem" : "note",
        `the name server listens on loopback (${ns.uri.location}): only this machine can use it`,
        "start it on a network address: pyro5 ns -n <address or hostname>",
      );
    }
    try {
      for (const [name, uri] of await ns.list()) {
        if (name === "Pyro.NameServer") continue;
        await checkDaemon(name, uri as URI, remote);
      }
    } finally {
      await ns._pyroRelease();
    }
  }
  for (const text of cmd.positionals) {
    try {
      const uri = new URI(text);
      if (uri.protocol === "PYRO") await checkDaemon(text, uri, remote);
      else {
        const resolved = await (await import("../naming.ts")).resolve(uri);
        await checkDaemon(text, resolved, remote);
      }
    } catch (e) {
      report("problem", `${text}: ${reasonOf(e)}`, "check the URI and the name server");
    }
  }
  if (loopbackUris > 0) {
    report(
      "note",
      `${loopbackUris} daemon URI${loopbackUris > 1 ? "s point" : " points"} at loopback: ` +
        "fine for clients on this machine",
      "run with --remote to check the setup as clients on other machines see it",
    );
  }
  const problems = findings.filter((f) => f.level === "problem").length;
  console.log(
    problems === 0 ? "no problems found" : `${problems} problem${problems > 1 ? "s" : ""} found`,
  );
  if (problems > 0) process.exitCode = 1;
}

if (import.meta.main) await main();
