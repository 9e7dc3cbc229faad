// Serializer speed on this runtime: dumps+loads of a 1000-entry dict, MB/s of serialized data.
// `serializers.ts <seconds>` prints one JSON object.
import { getSerializer } from "../serializers/mod.ts";

const seconds = Number(process.argv[2] ?? 1);
const value: Record<string, unknown> = {};
for (let i = 0; i < 1000; i++) {
  value[`key${i}`] = { n: i, f: i / 3, s: `value number ${i}`, l: [i, i + 1, true, null] };
}
const out: Record<string, number> = {};
for (const name of ["serpent", "json", "marshal", "msgpack"]) {
  const s = getSerializer(name);
  const size = s.dumps(value).length;
  let rounds = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    s.loads(s.dumps(value));
    rounds++;
  }
  out[`ser_${name}_MBps`] = (rounds * size) / 1e6 / ((performance.now() - start) / 1000);
}
console.log(JSON.stringify(out));
