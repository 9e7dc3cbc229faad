// Registers with the dispatcher for a topic and deserializes the blobs that arrive; stops after
// COUNT of them when COUNT is given.
// Run: deno run -A examples/blob_dispatch/listener.ts PYRO:example.blobdispatcher@localhost:9150 weather [COUNT]
import { Daemon, expose, Proxy, type SerializedBlob } from "../../mod.ts";
import { Reading } from "./reading.ts"; // also registers the class with the serializers

const [uri, topic, count] = process.argv.slice(2);
let left = count ? Number(count) : Infinity;

await using daemon = await Daemon.create({ host: "localhost", port: 0 });
class Listener {
  process_blob(blob: SerializedBlob) {
    const [reading] = blob.deserialized() as [unknown];
    if (!(reading instanceof Reading)) throw new TypeError(`not a Reading: ${reading}`);
    console.log(`typescript listener on ${blob.info} got ${reading}`);
    if (--left === 0) setTimeout(() => daemon.close(), 10); // after this reply is sent
  }
}
expose(Listener);
const listener = new Listener();
daemon.register(listener);
{
  await using dispatcher = new Proxy(uri);
  await dispatcher.register(topic, listener); // sent as a proxy to our daemon
}
console.log(`Ready. typescript listener on ${topic}`);
await daemon.requestLoop();
