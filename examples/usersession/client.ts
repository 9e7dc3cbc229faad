// The TypeScript side of the user session example: users named in a USER annotation. Where
// Python gives each thread its own current_context, each task here runs in a call context of
// its own (runWithContext), so four users can call at once from one thread.
// Run: python examples/usersession/server.py 9130 &     (or server.ts)
//      deno run -A examples/usersession/client.ts localhost:9130
import { currentContext, newCallContext, Proxy, runWithContext } from "../../mod.ts";

const location = process.argv[2] ?? "localhost:9130";
const session = `PYRO:example.usersession.sessiondb@${location}`;
const singleton = `PYRO:example.usersession.singletondb@${location}`;

/** From now on, calls of the current context say they come from `name`. */
function asUser(name: string) {
  currentContext.annotations = { USER: new TextEncoder().encode(name) };
}

console.log("* one proxy per user: each user has their own value");
{
  await using alice = new Proxy(session);
  await using bob = new Proxy(session);
  asUser("alice");
  await alice.store("number", 42);
  asUser("bob");
  await bob.store("number", 43);
  console.log(
    `alice's number: ${await alice.retrieve("number")} - bob's number: ${await bob.retrieve(
      "number",
    )}`,
  );
  console.log(
    `alice's proxy still belongs to ${await alice.whoami()} though this context is now bob`,
  );
}

console.log("* the singleton reads the user from each call");
{
  await using db = new Proxy(singleton);
  asUser("alice");
  console.log("as alice:", await db.whoami(), await db.retrieve("number"));
  asUser("bob");
  console.log("as bob:", await db.whoami(), await db.retrieve("number"));
  asUser("mallory");
  try {
    await db.retrieve("number");
  } catch (e) {
    console.log("as mallory:", (e as Error).message);
  }
}

for (const [name, uri] of [["session-bound", session], ["singleton", singleton]]) {
  const errors: string[] = [];
  // Four tasks, each in a context of its own, so that each sends its own USER annotation.
  await Promise.all(
    ["alice", "bob", "alice", "bob"].map((user) =>
      runWithContext(newCallContext(), async () => {
        asUser(user);
        await using db = new Proxy(uri);
        await db._pyroBind();
        for (let i = 0; i < 3; i++) {
          try {
            await db.store("counter", i);
            await db.retrieve("counter");
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
      })
    ),
  );
  const kinds = [...new Set(errors)].sort().map((k) => `'${k}'`).join(", ");
  console.log(
    `* four callers at once on the ${name} database: ${errors.length} refused calls [${kinds}]`,
  );
}
