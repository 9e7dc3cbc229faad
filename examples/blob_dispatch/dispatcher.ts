// A dispatcher that routes SerializedBlobs by topic and never deserializes them: it knows
// nothing of the Reading class that producers and listeners exchange (Pyro5's blob-dispatch).
// Run: deno run -A examples/blob_dispatch/dispatcher.ts 9150
//      python examples/blob_dispatch/listener.py PYRO:example.blobdispatcher@localhost:9150 weather &
//      deno run -A examples/blob_dispatch/listener.ts PYRO:example.blobdispatcher@localhost:9150 weather &
//      python examples/blob_dispatch/producer.py PYRO:example.blobdispatcher@localhost:9150 weather 21.5
//      deno run -A examples/blob_dispatch/producer.ts PYRO:example.blobdispatcher@localhost:9150 weather 19
import { behavior, Daemon, expose, type Proxy, type SerializedBlob } from "../../mod.ts";

class Dispatcher {
  readonly #listeners = new Map<string, Proxy[]>();

  /** A listener passes itself: it arrives as a proxy to its own daemon. */
  register(topic: string, listener: Proxy) {
    const list = this.#listeners.get(topic) ?? [];
    list.push(listener);
    this.#listeners.set(topic, list);
    console.log(`listener for ${topic}: ${listener._pyroUri}`);
  }

  /** Forwards the blob's bytes unchanged to every listener of its topic; returns how many. */
  async process_blob(blob: SerializedBlob) {
    const listeners = this.#listeners.get(String(blob.info)) ?? [];
    console.log(`dispatching a blob of ${blob.payload?.bytes.length} bytes on ${blob.info}`);
    await Promise.all(listeners.map((l) => l.process_blob(blob)));
    return listeners.length;
  }
}
expose(Dispatcher);
behavior({ instanceMode: "single" })(Dispatcher);

const port = Number(process.argv[2] ?? 9150);
await using daemon = await Daemon.create({ host: "localhost", port });
daemon.register(Dispatcher, "example.blobdispatcher");
console.log(`Ready. Object uri = ${daemon.uriFor("example.blobdispatcher")}`);
await daemon.requestLoop();
