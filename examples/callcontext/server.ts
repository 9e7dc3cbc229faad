// What a server method sees of its call: the client's address, the sequence number, the flags,
// the serializer, the correlation id and the annotations; the reply's annotations it adds; and
// a call made from inside a call, which passes the correlation id on.
// Run: deno run -A examples/callcontext/server.ts 9170
//      python examples/callcontext/client.py PYRO:example.context@localhost:9170
import { currentContext, Daemon, expose, oneway, Proxy } from "../../mod.ts";

const seen: Array<Record<string, unknown>> = [];

/** Notes what the context holds for this call. */
function note(method: string) {
  const xyzz = currentContext.annotations.XYZZ;
  const entry = {
    method,
    correlation_id: currentContext.correlationId,
    serializer_id: currentContext.serializerId,
    oneway: (currentContext.msgFlags & 0x04) !== 0, // FLAGS_ONEWAY in the message header
    XYZZ: xyzz ? new TextDecoder().decode(xyzz) : null,
  };
  console.log(`${method} from ${currentContext.clientSockAddr} seq ${currentContext.seq}:`, entry);
  seen.push(entry);
}

class EchoServer {
  echo(message: string) {
    note("echo");
    currentContext.responseAnnotations = {
      ECHO: new TextEncoder().encode(`${message.length} characters`),
    };
    return message;
  }
  log(_message: string) {
    note("log");
  }
  /** Calls echo through a proxy of its own: the correlation id goes along. */
  async relay(message: string) {
    note("relay");
    await using self = new Proxy(daemon.uriFor("example.context"));
    return await self.echo(`relayed: ${message}`);
  }
  /** What the calls so far looked like from here. */
  seen() {
    return seen.splice(0);
  }
}
expose(EchoServer);
oneway(EchoServer, "log");

/** Annotations the daemon adds to every reply. */
class AnnotatingDaemon extends Daemon {
  override annotations() {
    return { DDAA: new TextEncoder().encode("set by the daemon") };
  }
}

const port = Number(process.argv[2] ?? 9170);
await using daemon = await AnnotatingDaemon.create({ host: "localhost", port });
daemon.register(EchoServer, "example.context");
console.log(`Ready. Object uri = ${daemon.uriFor("example.context")}`);
await daemon.requestLoop();
