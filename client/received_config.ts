/**
 * The configuration that proxies arriving in a message take on: the receiving proxy's or
 * daemon's. Python's proxies all share one process-wide config; ours each have their own, so a
 * proxy a TLS daemon sends back (autoproxy) or a TLS client passes in (a callback) must connect
 * the way its receiver does, not with the defaults. Decoding is synchronous, so the config in
 * force is simply set around it.
 *
 * @module
 */
import type { ConfigItems } from "../config.ts";

let current: ConfigItems | null = null;

/**
 * Runs a decode with `config` as the one received proxies take on.
 *
 * @param config the receiving side's configuration
 * @param decode the synchronous decode
 * @returns what `decode` returns
 */
export function decodingWith<T>(config: ConfigItems, decode: () => T): T {
  const outer = current;
  current = config;
  try {
    return decode();
  } finally {
    current = outer;
  }
}

/** The configuration of the decode in progress, or null outside one. */
export function receivingConfig(): ConfigItems | null {
  return current;
}
