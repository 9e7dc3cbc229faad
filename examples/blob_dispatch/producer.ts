// Sends readings to the dispatcher as SerializedBlobs: serialized once here, deserialized only
// by the listeners.
// Run: deno run -A examples/blob_dispatch/producer.ts PYRO:example.blobdispatcher@localhost:9150 weather 19 20.5
import { Proxy, SerializedBlob } from "../../mod.ts";
import { Reading } from "./reading.ts";

const [uri, topic, ...values] = process.argv.slice(2);
await using dispatcher = new Proxy(uri);
for (const value of values) {
  // The blob's data takes the place of the call's arguments, hence the list.
  const blob = new SerializedBlob(topic, [new Reading("typescript", topic, Number(value))]);
  console.log(`sent ${value} on ${topic} to ${await dispatcher.process_blob(blob)} listeners`);
}
