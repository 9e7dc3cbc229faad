// The TypeScript side of the resource tracking example: allocates two resources and frees them,
// or exits without freeing them, or lists what the server holds.
// Run: python examples/resourcetracking/server.py 9140 &     (or server.ts)
//      deno run -A examples/resourcetracking/client.ts localhost:9140 clean|vanish|list
import { Proxy } from "../../mod.ts";

const location = process.argv[2] ?? "localhost:9140";
const mode = process.argv[3] ?? "clean";
const service = new Proxy(`PYRO:example.resources@${location}`);
if (mode === "list") {
  console.log(`allocated: ${JSON.stringify(await service.list())}`);
  await service._pyroRelease();
} else {
  const tag = String(process.pid);
  await service.allocate(`a-${tag}`);
  await service.allocate(`b-${tag}`);
  console.log(
    `allocated 2 resources, the server now has ${(await service.list() as string[]).length}`,
  );
  if (mode === "vanish") {
    // As if the process were killed: no free(), no release; the OS drops the connection.
    process.exit(0);
  }
  await service.free(`a-${tag}`);
  await service.free(`b-${tag}`);
  console.log(`freed them, the server now has ${(await service.list() as string[]).length}`);
  await service._pyroRelease();
}
