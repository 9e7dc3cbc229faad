// A progress bar for the file transfer examples: on a terminal it redraws one line in place
// (bar, percentage, rate, ETA); anywhere else (a pipe, a log file, CI) it prints a plain line
// at every quarter, so logs stay readable.

/** How to draw: `tty` redraws in place, `plain` prints lines; default: what stdout is. */
export type ProgressMode = "tty" | "plain";

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One transfer's progress. */
export class Progress {
  readonly label: string;
  readonly total: number;
  readonly mode: ProgressMode;
  #done = 0;
  #start = performance.now();
  #lastDraw = 0;
  #quarter = 0;

  constructor(label: string, total: number, mode?: ProgressMode) {
    this.label = label;
    this.total = total;
    this.mode = mode ?? (process.stdout.isTTY ? "tty" : "plain");
  }

  /** Seconds since the transfer started. */
  get seconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Megabytes (10^6 bytes) per second so far. */
  get rate(): number {
    return this.#done / 1e6 / Math.max(this.seconds, 1e-6);
  }

  /** Counts `n` more bytes received. */
  add(n: number): void {
    this.#done += n;
    if (this.mode === "tty") {
      const now = performance.now();
      // Redrawing costs more than a chunk: at most 20 frames a second, and the last one.
      if (now - this.#lastDraw >= 50 || this.#done >= this.total) {
        this.#lastDraw = now;
        this.#draw();
      }
    } else {
      // One line per quarter reached; a single big step prints only where it landed.
      const quarter = this.total ? Math.min(4, Math.floor(this.#done * 4 / this.total)) : 4;
      if (quarter > this.#quarter) {
        this.#quarter = quarter;
        process.stdout.write(
          `${this.label}: ${quarter * 25}% (${mb(this.#done)} of ${mb(this.total)} MB)\n`,
        );
      }
    }
  }

  /** Ends the bar's line; returns the rate in MB/s. */
  finish(): number {
    if (this.mode === "tty") {
      this.#draw();
      process.stdout.write("\n");
    }
    return this.rate;
  }

  #draw(): void {
    const fraction = this.total ? Math.min(1, this.#done / this.total) : 1;
    const width = 30;
    const full = Math.round(fraction * width);
    const eta = this.rate > 0 ? (this.total - this.#done) / 1e6 / this.rate : Infinity;
    const bar = "#".repeat(full) + ".".repeat(width - full);
    // \r goes back to the line's start, \x1b[K clears what a longer earlier frame left.
    process.stdout.write(
      `\r${this.label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${this.rate.toFixed(1)} MB/s ETA ${clock(eta)}\x1b[K`,
    );
  }
}
