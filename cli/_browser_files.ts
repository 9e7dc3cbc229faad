// The files a gateway started with --websocket serves: the browser module at /pyro/pyro5.js,
// built from the sources when they are here (a checkout: tools/build_browser.ts), else read from
// the npm package's dist/pyro5.browser.js; and the files of a --static folder under
// /pyro/static/.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GatewayFile } from "../http/gateway.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The browser module's text. */
export async function browserModule(): Promise<string> {
  const built = fileURLToPath(new URL("../pyro5.browser.js", import.meta.url));
  if (existsSync(built)) return readFileSync(built, "utf8");
  const builder = new URL("../tools/build_browser.ts", import.meta.url);
  if (!existsSync(fileURLToPath(builder))) {
    throw new Error("no browser module: neither dist/pyro5.browser.js nor tools/build_browser.ts");
  }
  const { buildBrowserModule } = await import(builder.href);
  return await buildBrowserModule();
}

/** The files of `folder` (not its subfolders), by `static/<name>`. */
export function staticFiles(folder: string): Record<string, GatewayFile> {
  const files: Record<string, GatewayFile> = {};
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (!statSync(path).isFile()) continue;
    const type = TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
    files[`static/${name}`] = { body: new Uint8Array(readFileSync(path)), type };
  }
  return files;
}
