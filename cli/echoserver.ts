#!/usr/bin/env node
// Pyro5's test echo server: `python -m Pyro5.utils.echoserver`, same object and flags.
// Run: deno run -A cli/echoserver.ts [-H host] [-p port] [-u unixsocket] [-n] [-N] [-v] [-q]
import { parseCommandLine } from "./_argparse.ts";
import { Daemon, expose, oneway } from "../server.ts";
import { locateNS, startNS } from "../naming.ts";
import { addressInUseLine, isAddressInUse } from "./_address_in_use.ts";
import { exitOnSignals } from "./_signals.ts";

/** The echo server object, as Pyro5's `Pyro5.utils.echoserver.EchoServer`. */
export class EchoServer {
  #verbose = false;
  mustShutdown = false;
  onShutdown: (() => void) | null = null;

  #say(text: string): void {
    if (this.#verbose) console.log(`${new Date().toString()} - ${text}`);
  }
  echo(message: unknown): unknown {
    this.#say(`echo: ${JSON.stringify(message, (_k, v) => typeof v === "bigint" ? String(v) : v)}`);
    return message;
  }
  error(): never {
    this.#say("error: generating exception");
    throw new RangeError("this is the generated error from echoserver echo() method");
  }
  error_with_text(): never {
    this.#say("error: generating exception");
    throw new RangeError("the message of the error");
  }
  oneway_echo(message: unknown): string {
    this.#say(`oneway_echo: ${JSON.stringify(message)}`);
    return "bogus return value";
  }
  async slow(): Promise<string> {
    this.#say("slow: waiting a bit...");
    await new Promise((r) => setTimeout(r, 5000));
    this.#say("slow: returning result");
    return "Finally, an answer!";
  }
  *generator(): Generator<string> {
    yield "one";
    yield "two";
    yield "three";
  }
  nan(): number {
    return NaN;
  }
  inf(): number {
    return Infinity;
  }
  async oneway_slow(): Promise<string> {
    this.#say("oneway_slow: waiting a bit...");
    await new Promise((r) => setTimeout(r, 5000));
    this.#say("oneway_slow: returning result");
    return "bogus return value";
  }
  _private(): string {
    return "should not be allowed";
  }
  __private(): string {
    return "should not be allowed";
  }
  __dunder__(): string {
    return "should be allowed (dunder)";
  }
  shutdown(): void {
    this.#say("shutting down");
    this.mustShutdown = true;
    // Let the reply go out first.
    setTimeout(() => this.onShutdown?.(), 50);
  }
  get verbose(): boolean {
    return this.#verbose;
  }
  set verbose(on: boolean) {
    this.#verbose = Boolean(on);
  }
}
// With Pyro5's signatures: Python callers' keyword arguments (and mistakes) get the same answers.
expose(
  EchoServer,
  "echo(message)",
  "error()",
  "error_with_text()",
  "oneway_echo(message)",
  "slow()",
  "generator()",
  "nan()",
  "inf()",
  "oneway_slow()",
  "__dunder__()",
  "shutdown()",
  "verbose",
);
oneway(EchoServer, "oneway_echo", "oneway_slow");

const USAGE = `usage: echoserver [-h] [-H HOST] [-p PORT] [-u UNIXSOCKET] [-n] [-N] [-v] [-q]

options:
  -h, --help            show this help message and exit
  -H HOST, --host HOST  hostname to bind server on (default=localhost)
  -p PORT, --port PORT  port to bind server on
  -u UNIXSOCKET, --unixsocket UNIXSOCKET
                        Unix domain socket name to bind server on
  -n, --naming          register with nameserver
  -N, --nameserver      also start a nameserver
  -v, --verbose         verbose output
  -q, --quiet           don't output anything`;

/**
 * Runs the echo server tool (`pyro5 echoserver`, `pyro5-echoserver`).
 *
 * @param argv the arguments after the command name
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const cmd = parseCommandLine({
    prog: "echoserver",
    usage: USAGE,
  }, argv);
  const fail = cmd.fail;
  const host = cmd.text("host", "localhost");
  const port = cmd.int("port", 0);
  const unixSocket = cmd.text("unixsocket");
  const verbose = cmd.has("verbose");
  const quiet = cmd.has("quiet") && !verbose;
  if (!quiet) console.log("Starting Pyro's built-in test echo server.");
  let nameserver, daemon;
  try {
    nameserver = cmd.has("nameserver")
      ? await startNS({ host, port: 0, enableBroadcast: false })
      : null;
    daemon = await Daemon.create({
      host,
      port,
      unixSocket,
    });
  } catch (e) {
    if (!isAddressInUse(e)) fail((e as Error).message);
    console.error(addressInUseLine(
      "echoserver",
      unixSocket ?? `port ${port} on ${host}`,
      unixSocket
        ? "remove the stale socket file or choose another with -u PATH"
        : "choose another port with -p PORT (or leave -p out for a free one)",
    ));
    process.exit(1);
  }
  const echo = new EchoServer();
  echo.verbose = verbose;
  const objectName = "test.echoserver";
  const uri = daemon.register(echo, objectName);
  if (cmd.has("naming") || cmd.has("nameserver")) {
    try {
      const ns = nameserver
        ? await locateNS(nameserver.uri.host, nameserver.uri.port)
        : await locateNS();
      await ns.register(objectName, uri);
      if (verbose) console.log(`using name server at ${ns.uri}`);
      await ns._pyroRelease();
    } catch (e) {
      fail((e as Error).message);
    }
  } else if (verbose) console.log("not using a name server.");
  echo.onShutdown = exitOnSignals(async () => {
    await daemon.close();
    await nameserver?.close();
  });
  if (!quiet) {
    console.log(`object name: ${objectName}`);
    console.log(`echo uri: ${uri}`);
    console.log("echoserver running.");
  }
}

if (import.meta.main) await main();
