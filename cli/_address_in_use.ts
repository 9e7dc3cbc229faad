// "Address already in use" as the command-line tools report it: one line that names the port and
// the flag to change, never a stack.

/** True when `error` (or one of its causes) is a listen on an address that is taken. */
export function isAddressInUse(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown };
    if (x.code === "EADDRINUSE" || x.name === "AddrInUse") return true;
    if (typeof x.message === "string" && /EADDRINUSE|address already in use/i.test(x.message)) {
      return true;
    }
  }
  return false;
}

/**
 * The one line to print for a taken address.
 *
 * @param tool the tool's name, e.g. `ns`
 * @param where `host:port` that was asked for
 * @param fix what to change, e.g. `choose another port with -p PORT (or -p 0 for a free one)`
 */
export function addressInUseLine(tool: string, where: string, fix: string): string {
  return `${tool}: error: ${where} is already in use (is another server running there?); ${fix}`;
}
