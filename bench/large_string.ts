// The daemon's peak memory for one large value: a 50 MB string echoed with each serializer, to a
// daemon of ours in a process of its own (tests/fixtures/hardening_daemon.ts) started fresh for
// each. Prints the peak RSS over the daemon's baseline (Linux VmHWM), in MB; the floor is about
// three times the string: the request's bytes, the string, the reply's bytes. All four formats
// keep to it on Deno, Bun and Node (serpent and json encode a long string apart from the text
// around it, as it is: serializers/text.ts utf8Pieces; before, on Deno and Node, joining them
// made a flat copy of the string, a fourth).
// Run: deno run -A bench/large_string.ts [serializers, default all four] (or bun, node)
import { Proxy } from "../client.ts";
import type { SerializerName } from "../serializers/types.ts";
import { startChildDaemon } from "../tests/hardening.ts";

const MB = 1e6;
const names = (process.argv[2] ?? "serpent,json,marshal,msgpack").split(",") as SerializerName[];
const big = "x".repeat(50 * MB);
for (const serializer of names) {
  const child = await startChildDaemon({});
  try {
    await using p = new Proxy(child.uri, { serializer });
    await p.echo("warm up");
    const base = Number(await child.ask("mem"));
    if (await p.echo(big) !== big) throw new Error("the echo differs");
    const peak = Number(await child.ask("peak"));
    console.log(
      `${serializer}: a 50 MB string echoed, peak RSS ${
        ((peak - base) / MB).toFixed(0)
      } MB over the baseline`,
    );
  } finally {
    await child.close();
  }
}
process.exit(0);
