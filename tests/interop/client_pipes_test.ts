// A proxy over a child process's pipes: Pyro5's connected_socket mode with no socket at all.
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { Proxy } from "../../client.ts";
import { streamConnection } from "../../transport/streams.ts";
import { pythonPath, ROOT } from "../fixtures/python.ts";

it("calls a Python daemon that talks over its stdin and stdout", async () => {
  const child = spawn(pythonPath(), [`${ROOT}tests/fixtures/py_pipe_daemon.py`], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const connection = streamConnection(
    Readable.toWeb(child.stdout!) as unknown as ReadableStream<Uint8Array>,
    Writable.toWeb(child.stdin!) as unknown as WritableStream<Uint8Array>,
    "python-pipes",
  );
  try {
    await using p = new Proxy("test.service", {
      connectedSocket: connection,
      serializer: "msgpack",
    });
    assert.equal(await p.echo("through pipes"), "through pipes");
    const items: unknown[] = [];
    for await (const x of await p.gen(3)) items.push(x);
    assert.deepEqual(items, ["item-0", "item-1", "item-2"]);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.exitCode !== null ? r(null) : child.once("exit", r));
  }
});
