// Tags calls with a correlation id, for the whole process and for one call,
// and shows the id the Python server saw and the one its reply carried.
// Run: python examples/correlation/server.py 9997 &   deno run -A examples/correlation/client.ts 9997
import { callOptions, currentContext, Proxy } from "../../mod.ts";

const port = process.argv[2] ?? "9997";
await using tracer = new Proxy(`PYRO:example.tracer@localhost:${port}`);

currentContext.correlationId = crypto.randomUUID();
console.log("set for every call:", currentContext.correlationId);
console.log(await tracer.whoami());
console.log(await tracer.whoami());

const one = crypto.randomUUID();
console.log("for one call only:", one);
console.log(await tracer.whoami(callOptions({ correlationId: one })));
console.log("the reply carried:", tracer._pyroLastReply.correlationId);
