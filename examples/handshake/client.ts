// Sends handshake data when connecting and checks what the daemon answers; a proxy without the
// token is refused. (examples/server_handshake has the other direction: our daemon checking.)
// Run: python examples/handshake/server.py 9180 &
//      deno run -A examples/handshake/client.ts PYRO:example.guarded@localhost:9180
import { CommunicationError, Proxy } from "../../mod.ts";

const uri = process.argv[2] ?? "PYRO:example.guarded@localhost:9180";

{
  await using guarded = new Proxy(uri, { handshake: { token: "s3cr3t", user: "carol" } });
  // Python subclasses Proxy to override _pyroValidateHandshake; here it is assigned.
  guarded._pyroValidateHandshake = (response: unknown) => {
    const r = response as Map<string, unknown> | Record<string, unknown>;
    const session = r instanceof Map ? r.get("session") : r.session;
    if (session !== "granted") throw new Error(`unexpected handshake answer ${session}`);
    console.log(
      "the daemon answered:",
      JSON.stringify(r instanceof Map ? Object.fromEntries(r) : r),
    );
  };
  await guarded._pyroBind(); // connect now: the handshake happens here
  console.log(await guarded.secret());
}

{
  await using intruder = new Proxy(uri); // sends Pyro's default handshake, "hello"
  try {
    await intruder.secret();
  } catch (e) {
    if (!(e instanceof CommunicationError)) throw e;
    console.log("without the token:", e.message.replace(/.*rejected: /, ""));
  }
}
