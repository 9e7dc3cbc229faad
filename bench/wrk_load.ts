// The same load as bench/http_load.ts from `wrk` (Debian's package; C, one thread, keep-alive),
// when it is installed: on two cores the load generator takes its CPU from the gateway it
// measures, and wrk takes less per request than any JavaScript client. Python's gateway answers
// HTTP/1.0 and closes each connection: wrk reconnects, as a browser would.
import { execFile, execFileSync } from "node:child_process";

/** Whether `wrk` can be run here. */
export function haveWrk(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (e) {
    // wrk --version prints its version and exits 1.
    return (e as { status?: number }).status === 1;
  }
}

/**
 * Requests per second that `clients` keep-alive connections get from `url` in `seconds`.
 *
 * @throws when any answer was not a 2xx one, or wrk failed
 */
export function wrkRate(url: string, clients: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(
      "wrk",
      ["-t1", `-c${clients}`, `-d${seconds}s`, url],
      { timeout: (seconds + 30) * 1000 },
      (e, out, err) => {
        if (e) return reject(new Error(`wrk: ${e.message}\n${err}`));
        const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
        if (!rate) return reject(new Error(`wrk printed no rate:\n${out}`));
        if (/Non-2xx/.test(out)) return reject(new Error(`wrk saw failed answers:\n${out}`));
        resolve(Number(rate[1]));
      },
    )
  );
}
