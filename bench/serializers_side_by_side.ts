// Serializer timings of one checkout, to compare two of them in one sitting (issue 14):
// `serializers_side_by_side.ts <checkout root> [seconds per case] [formats, comma separated]`
// prints one JSON object of CPU time per operation. Run it alternately on both checkouts and
// keep each figure's best: the machine is shared, and the best run is the least disturbed.
const root = new URL(`${process.argv[2] ?? "."}/`, `file://${process.cwd()}/`);
const seconds = Number(process.argv[3] ?? 0.5);
const { getSerializer } = await import(new URL("serializers/mod.ts", root).href);
const big: Record<string, unknown> = {};
for (let i = 0; i < 1000; i++) {
  big[`key${i}`] = { n: i, f: i / 3, s: `value number ${i}`, l: [i, i + 1, true, null] };
}
const small = { result: [1, 2.5, "three"], ok: true };
const bytes = new Uint8Array(1 << 20).fill(7);
// CPU time rather than wall time: the machine is shared, and time spent descheduled is not ours.
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
function once(fn: () => void, ms: number): number {
  let rounds = 0;
  const start = cpuMs();
  while (cpuMs() - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    rounds += 16;
  }
  return (cpuMs() - start) * 1e6 / rounds; // ns per op
}
/** The best of 5 trials after a warm-up: the least disturbed by other load. */
function time(fn: () => void): number {
  once(fn, seconds * 500);
  let best = Infinity;
  for (let t = 0; t < 5; t++) best = Math.min(best, once(fn, seconds * 200));
  return best;
}
const out: Record<string, number> = {};
for (const name of (process.argv[4] ?? "serpent,json,marshal,msgpack").split(",")) {
  const s = getSerializer(name);
  const bigBytes = s.dumps(big);
  out[`${name} big dumps+loads us`] = time(() => s.loads(s.dumps(big))) / 1000;
  out[`${name} small call ns`] = time(() => {
    const p = s.dumpsCallTransient("obj_1", "add", [1, "abc", { a: 1 }], {});
    s.loadsCall(p instanceof Uint8Array ? p.slice() : p[0]);
  });
  out[`${name} small reply ns`] = time(() => s.loads(s.dumps(small)));
  if (name !== "json") {
    out[`${name} 1MB bytes transient us`] = time(() => s.dumpsTransient(bytes)) / 1000;
  }
  void bigBytes;
}
console.log(JSON.stringify(out));
