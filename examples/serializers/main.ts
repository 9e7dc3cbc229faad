// Encodes one value with each of Pyro5's four serializers, shows the bytes a
// Python Pyro5 peer would receive, and decodes them again.
// Run: deno run -A examples/serializers/main.ts   (or: bun / node examples/serializers/main.ts)
import { Complex, getSerializer, type SerializerName, tuple } from "../../mod.ts";

const value = {
  name: "Alice",
  point: tuple(1, 2),
  tags: new Set(["admin", "dev"]),
  big: 2n ** 70n,
  ratio: 0.25,
  z: new Complex(1, -2),
  data: new Uint8Array([0, 1, 254, 255]),
};

for (const name of ["serpent", "marshal", "json", "msgpack"] as SerializerName[]) {
  const serializer = getSerializer(name);
  const sendable = name === "json" ? { ...value, z: undefined, data: undefined } : value;
  const bytes = serializer.dumps(sendable);
  const shown = name === "serpent" || name === "json"
    ? new TextDecoder().decode(bytes)
    : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
  console.log(`--- ${name} (id ${serializer.id}), ${bytes.length} bytes\n${shown}`);
  console.log(serializer.loads(bytes));
}
