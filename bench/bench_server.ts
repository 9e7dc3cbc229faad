// The benchmark server: object `bench`, printing `URI PYRO:bench@127.0.0.1:PORT` when ready,
// exiting on SIGTERM. Python benchmark clients drive it too.
// Run: deno run -A bench/bench_server.ts [port]
import { behavior, Daemon, expose, oneway } from "../mod.ts";

class Bench {
  #hits = 0;
  echo(value: unknown) {
    return value;
  }
  oneway_hit(_value: unknown) {
    this.#hits++;
  }
  hits() {
    return this.#hits;
  }
  reset() {
    this.#hits = 0;
  }
  peak_rss_mb() {
    // The kernel's peak (kB), where the runtime offers it; else the peak seen in windows.
    const maxRss = process.resourceUsage?.().maxRSS;
    return maxRss ? maxRss / 1024 : peakRss / 1e6;
  }
  /** Starts a memory window: returns the RSS now (MB); window_peak_mb() gives the peak since. */
  window_start_mb() {
    windowPeakDetail = sample();
    windowPeak = windowPeakDetail.rss;
    sampler ??= setInterval(tick, 5);
    return windowPeak / 1e6;
  }
  /** Ends the window: the peak RSS since window_start_mb() (MB). */
  window_peak_mb() {
    tick();
    clearInterval(sampler);
    sampler = undefined;
    return windowPeak / 1e6;
  }
  /** What the memory was made of at the window's peak (MB): V8's heap, and ArrayBuffers. */
  window_peak_detail_mb() {
    return Object.fromEntries(Object.entries(windowPeakDetail).map(([k, v]) => [k, v / 1e6]));
  }
  blob_str(size: number) {
    return "x".repeat(size);
  }
  blob_bytes(size: number) {
    return new Uint8Array(size).fill(0x61);
  }
  upload(data: Uint8Array | string) {
    return data.length;
  }
  *chunks_str(total: number, chunksize: number) {
    const chunk = "x".repeat(chunksize);
    for (let sent = 0; sent < total; sent += chunksize) yield chunk;
  }
  *chunks_bytes(total: number, chunksize: number) {
    const chunk = new Uint8Array(chunksize).fill(0x62);
    for (let sent = 0; sent < total; sent += chunksize) yield chunk;
  }
}
expose(Bench);
oneway(Bench, "oneway_hit");
// One instance for all clients, so hits() counts every client's oneway calls.
behavior({ instanceMode: "single" })(Bench);

// The daemon's peak memory, sampled, for the large-transfer measurements.
let peakRss = 0;
let windowPeak = 0;
const sample = () => {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
};
let windowPeakDetail = sample();
// Sampled every 5 ms while a memory window is open, and not otherwise: a timer in the daemon would
// disturb the call rates measured outside the windows.
let sampler: ReturnType<typeof setInterval> | undefined;
function tick() {
  const now = sample();
  peakRss = Math.max(peakRss, now.rss);
  if (now.rss > windowPeak) {
    windowPeak = now.rss;
    windowPeakDetail = now;
  }
}

const daemon = await Daemon.create({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0) });
daemon.register(Bench, "bench");
process.on("SIGTERM", async () => {
  await daemon.close();
  process.exit(0);
});
console.log(`URI ${daemon.uriFor("bench")}`);
