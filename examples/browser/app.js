// The page's script: a Proxy over the gateway's WebSocket bridge. The query string picks the
// object (?name=example.browser), the serializer (?serializer=serpent) and the gateway key (?key=).
import { getPyroTraceback, Proxy, webSocketTransport } from "/pyro/pyro5.js";

const query = new URLSearchParams(location.search);
const name = query.get("name") ?? "example.browser";
const serializer = query.get("serializer") ?? "serpent";
const bridge = new URL("/pyro/ws", location.href);
bridge.protocol = location.protocol === "https:" ? "wss:" : "ws:";
const transport = webSocketTransport(bridge, { key: query.get("key") ?? undefined });
const show = (id, text) => document.getElementById(id).textContent = text;

async function run() {
  document.body.dataset.state = "running";
  show("object", name);
  show("serializer", serializer);
  const demo = new Proxy(`PYRONAME:${name}`, { transport, serializer });
  try {
    show("greeting", await demo.hello("browser"));

    const list = document.getElementById("stream");
    list.replaceChildren();
    for await (const item of await demo.countdown(5)) {
      const li = document.createElement("li");
      li.textContent = String(item);
      list.append(li);
    }

    try {
      await demo.fail("this request");
    } catch (e) {
      show("error-class", `${e.pythonClass ?? e.name}: ${e.message}`);
      show("traceback", getPyroTraceback(e));
    }
    show("status", "done");
    document.body.dataset.state = "done";
  } catch (e) {
    document.getElementById("status").className = "failed";
    show("status", `${e.name}: ${e.message}`);
    document.body.dataset.state = "failed";
  } finally {
    await demo._pyroRelease();
  }
}

document.getElementById("again").onclick = run;
run();
