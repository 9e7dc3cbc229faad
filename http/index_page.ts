/**
 * The gateway's index page at `/pyro/`: every exposed name with its methods and attributes, a
 * form per method to call it with keyword arguments, and the answer shown formatted (errors with
 * their Python class and traceback, and each answer's correlation id). One self-contained
 * HTML document: no framework, no external assets, no build step.
 *
 * @module
 */

/** One registered name on the page. */
export interface IndexEntry {
  /** The registered name. */
  name: string;
  /** Its URI. */
  uri: string;
  /** Exposed methods. */
  methods: string[];
  /** Exposed attributes. */
  attributes: string[];
  /** Oneway methods. */
  oneway: string[];
  /** Why the metadata could not be read, if it could not. */
  error?: string;
}

/** What the page shows. */
export interface IndexPageOptions {
  /** The names, sorted. */
  entries: IndexEntry[];
  /** The name server's location. */
  nameserver: string;
  /** The expose pattern. */
  expose: string;
  /** True when calls need the gateway key (the page passes on the `$key` it was opened with). */
  keyRequired: boolean;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #202020; background: #fff; max-width: 110em; }
h1 { margin-bottom: 0.2em; }
.note { color: #555; }
section.object { border: 1px solid #bbf; border-radius: 4px; padding: 0.5em 1em; margin: 1em 0; }
section.object h2 { font-size: 1.1em; margin: 0.3em 0; }
code.uri { color: #555; font-size: 0.9em; }
form.call { display: grid; grid-template-columns: 12em 1fr auto auto; gap: 0.5em; align-items: center; margin: 0.4em 0; }
form.call textarea { font-family: monospace; min-height: 1.8em; }
pre { border: 1px solid #bbf; padding: 1ex; white-space: pre-wrap; word-break: break-word; }
.layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5em; align-items: start; }
#answer { position: sticky; top: 0.5em; max-height: 95vh; overflow: auto; }
@media (max-width: 800px) { .layout { grid-template-columns: 1fr; } #answer { position: static; } }
#answer.error pre#answer-body { border-color: #e66; background: #fff4f4; }
.oneway { color: #777; font-size: 0.85em; }
`;

const SCRIPT = `
"use strict";
const gatewayKey = new URLSearchParams(location.search).get("$key");
function show(id, text) { document.getElementById(id).textContent = text; }
async function pyroCall(name, method, kwargs, oneway) {
  const headers = { "Accept": "application/json" };
  if (gatewayKey) headers["X-Pyro-Gateway-Key"] = gatewayKey;
  if (oneway) headers["X-Pyro-Options"] = "oneway";
  const init = { method: kwargs ? "POST" : "GET", headers };
  if (kwargs) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(kwargs); }
  const url = encodeURIComponent(name).replace(/%2F/g, "/") + "/" + encodeURIComponent(method);
  show("answer-call", init.method + " " + url + (kwargs ? " " + init.body : ""));
  show("answer-status", "…"); show("answer-correlation", ""); show("answer-body", "");
  const answer = document.getElementById("answer");
  answer.className = "pending";
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    show("answer-status", response.status + " " + response.statusText);
    show("answer-correlation", response.headers.get("X-Pyro-Correlation-Id") || "-");
    let value;
    try { value = text ? JSON.parse(text) : null; } catch { value = undefined; }
    if (response.ok) {
      show("answer-body", text === "" ? "(no answer: oneway)" : JSON.stringify(value, null, 2));
      answer.className = "ok";
    } else {
      if (value && value.__exception__) {
        const tb = (value.attributes && value.attributes._pyroTraceback) || [];
        show("answer-body", value.__class__ + ": " + (value.args || []).join(", ") + (tb.length ? "\\n\\n" + tb.join("") : ""));
      } else show("answer-body", text);
      answer.className = "error";
    }
  } catch (e) {
    show("answer-status", "request failed"); show("answer-body", String(e)); answer.className = "error";
  }
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList.contains("call")) return;
  event.preventDefault();
  const source = form.elements.kwargs.value.trim();
  let kwargs = null;
  if (source) {
    try { kwargs = JSON.parse(source); } catch (e) { show("answer-status", "invalid JSON"); show("answer-body", String(e)); return; }
    if (kwargs === null || typeof kwargs !== "object" || Array.isArray(kwargs)) {
      show("answer-status", "invalid arguments"); show("answer-body", "keyword arguments must be a JSON object"); return;
    }
  }
  pyroCall(form.dataset.object, form.dataset.method, kwargs, form.elements.oneway.checked);
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-method]");
  if (!link) return;
  event.preventDefault();
  pyroCall(link.dataset.object, link.dataset.method, null, false);
});
`;

function entryHtml(entry: IndexEntry): string {
  const n = esc(entry.name);
  const link = (method: string) =>
    `<a href="#" data-object="${n}" data-method="${esc(method)}">${esc(method)}</a>`;
  const attributes = entry.attributes.length
    ? [...entry.attributes].sort().map(link).join(" · ")
    : "<em>none</em>";
  const forms = [...entry.methods].sort().map((m) =>
    `<form class="call" data-object="${n}" data-method="${esc(m)}">` +
    `<label><strong>${esc(m)}</strong>${
      entry.oneway.includes(m) ? ' <span class="oneway">(oneway)</span>' : ""
    }</label>` +
    `<textarea name="kwargs" rows="1" aria-label="keyword arguments of ${
      esc(m)
    } as a JSON object" ` +
    `placeholder='keyword arguments, e.g. {"name": "value"}'></textarea>` +
    `<label class="oneway"><input type="checkbox" name="oneway"> oneway</label>` +
    `<button type="submit">call</button></form>`
  ).join("\n");
  return `<section class="object" data-name="${n}">
<h2>${n} ${link("$meta")}</h2>
<code class="uri">${esc(entry.uri)}</code>
${entry.error ? `<p class="error">cannot read its metadata: ${esc(entry.error)}</p>` : ""}
<p>attributes: ${attributes}</p>
${forms}
</section>`;
}

/**
 * Renders the index page.
 *
 * @param options the names with their metadata, the name server, the expose pattern
 * @returns the HTML document
 * @example
 * ```ts
 * import { indexPage } from "./index_page.ts";
 * const html = indexPage({ entries: [], nameserver: "localhost:9090", expose: "test\\.", keyRequired: false });
 * ```
 */
export function indexPage(options: IndexPageOptions): string {
  const list = options.entries.length
    ? options.entries.map(entryHtml).join("\n")
    : "<p><em>No registered names match the expose pattern.</em></p>";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pyro HTTP gateway</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Pyro HTTP gateway</h1>
<p class="note">Pyro objects over HTTP and JSON: <code>GET /pyro/&lt;name&gt;/&lt;method&gt;?arg=value</code>
(arguments as strings) or <code>POST</code> with a JSON object of keyword arguments (any JSON types).
Headers: <code>X-Pyro-Options: oneway</code>, <code>X-Pyro-Correlation-Id</code>,
<code>X-Pyro-Gateway-Key</code>${options.keyRequired ? " (required here)" : ""}.</p>
<p>Name server at <code>${esc(options.nameserver)}</code>; exposed names match
<code>${esc(options.expose || "(everything)")}</code>: ${options.entries.length} name(s).</p>
<div class="layout">
<main id="objects">
${list}
</main>
<section id="answer" class="idle" aria-live="polite">
<h2>Answer</h2>
<p>Call: <code id="answer-call">-</code></p>
<p>Status: <code id="answer-status">-</code> &nbsp; Correlation id: <code id="answer-correlation">-</code></p>
<pre id="answer-body"></pre>
</section>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
