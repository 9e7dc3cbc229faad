// Sends many calls as one batch to the Python calculator; the failing call's
// error is raised in its place.
// Run: python examples/batch/server.py 9999 &   deno run -A examples/batch/client.ts 9999
import { BatchProxy, Proxy } from "../../mod.ts";

const port = process.argv[2] ?? "9999";
await using calc = new Proxy(`PYRO:example.calculator@localhost:${port}`);
const batch = new BatchProxy(calc);
for (let i = 1; i <= 5; i++) batch.multiply(i, 10);
batch.add(1, 2);
batch.divide(1, 0); // fails remotely: ZeroDivisionError
batch.add(100, 200); // never executed
const results = (await batch())!;
try {
  for (const r of results) console.log("result:", r);
} catch (e) {
  console.log(`the batch stopped at a remote error: ${(e as Error).name}: ${(e as Error).message}`);
}
