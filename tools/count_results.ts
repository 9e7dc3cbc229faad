// Totals the JUnit reports of deno test, bun test and node --test into one
// line "N passed, M failed". Counts leaf tests only (a describe block is not
// a test); a missing or empty report counts as a failure, so a runtime that
// crashed cannot pass silently. Exits non-zero when anything failed or skipped.
import { existsSync, readFileSync } from "node:fs";

interface Case {
  name: string;
  failed: boolean;
  skipped: boolean;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(
    /&apos;/g,
    "'",
  )
    .replace(/&amp;/g, "&");
}

function cases(xml: string): Case[] {
  const out: Case[] = [];
  // Attribute values may hold a raw ">" (Node writes test names "a > b" unescaped).
  const re = /<testcase\b((?:[^>"]|"[^"]*")*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const name = unescape(/\bname="([^"]*)"/.exec(m[1])?.[1] ?? "");
    const classname = unescape(/\bclassname="([^"]*)"/.exec(m[1])?.[1] ?? "");
    const body = m[3] ?? "";
    out.push({
      name: `${classname} ${name}`,
      failed: /<(failure|error)\b/.test(body),
      skipped: /<skipped\b/.test(body),
    });
  }
  return out;
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const runtime = file.replace(/.*\//, "").replace(/\.xml$/, "");
  if (!existsSync(file)) {
    console.log(`${runtime}: no report (the runner crashed)`);
    failed++;
    continue;
  }
  let all = cases(readFileSync(file, "utf8"));
  if (runtime === "deno") {
    // Deno reports each describe block as a test and its its as steps named "block > it".
    const names = all.map((c) => c.name.slice(c.name.indexOf(" ") + 1));
    all = all.filter((_, i) => !names.some((n) => n.startsWith(names[i] + " > ")));
  }
  const f = all.filter((c) => c.failed);
  const s = all.filter((c) => c.skipped);
  const p = all.length - f.length - s.length;
  console.log(`${runtime}: ${p} passed, ${f.length} failed, ${s.length} skipped`);
  for (const c of f) console.log(`  FAILED ${c.name}`);
  for (const c of s) console.log(`  SKIPPED ${c.name}`);
  if (all.length === 0) {
    console.log(`${runtime}: ran no test`);
    failed++;
  }
  passed += p;
  failed += f.length;
  skipped += s.length;
}
// A skipped test is a defect here (interop tests must never skip): it counts as failed.
console.log(`${passed} passed, ${failed + skipped} failed`);
process.exit(failed + skipped > 0 ? 1 : 0);
