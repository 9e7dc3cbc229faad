// Item 2 of the hardening: a compressed message costs no more memory than it may inflate to.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { decompress } from "../../protocol/compression.ts";
import { encodeMessage, Flags, MessageReader, MsgType } from "../../protocol/mod.ts";
import { ProtocolError } from "../../errors.ts";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { rawConnect, servesNewClient, startChildDaemon, within } from "../hardening.ts";
import { streamOf } from "../helpers.ts";

const MiB = 1 << 20;

/** A zlib stream of `mb` MiB of zeros, made by Python's zlib. */
function bomb(mb: number): Uint8Array {
  return new Uint8Array(
    execFileSync(pythonPath(), [`${ROOT}tests/fixtures/zlib_bomb.py`, String(mb)], {
      maxBuffer: 64 * MiB,
    }),
  );
}

/** A CONNECT message (marshal) whose payload is `payload`, flagged compressed. */
function compressedConnect(payload: Uint8Array): Uint8Array {
  return encodeMessage({
    type: MsgType.CONNECT,
    serializerId: 3,
    seq: 1,
    flags: Flags.COMPRESSED,
    payload,
  });
}

describe("inflate limits", () => {
  it("refuses at the limit with a ProtocolError, and inflates what fits", async () => {
    const small = bomb(4);
    assert.equal((await decompress(small, 4 * MiB)).length, 4 * MiB);
    await assert.rejects(decompress(small, 4 * MiB - 1), (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.match(e.message, /inflated payload exceeds 4194303 bytes/);
      return true;
    });
    await assert.rejects(decompress(new Uint8Array([1, 2, 3, 4, 5]), MiB), ProtocolError);
  });

  it("a message reader refuses a payload that inflates past maxInflatedSize", async () => {
    const reader = new MessageReader(streamOf([compressedConnect(bomb(2))]), {
      maxInflatedSize: MiB,
    });
    await assert.rejects(reader.read(), /inflated payload exceeds 1048576 bytes/);
  });

  it("a 1.1 MiB bomb costs the daemon no more than its inflate limit, and it keeps serving", async () => {
    const message = compressedConnect(bomb(1100)); // inflates to 1100 MiB
    assert.ok(message.length < 1.5 * MiB);
    for (const config of [{}, { MAX_INFLATED_SIZE: 8 * MiB }]) {
      const limit = (config as { MAX_INFLATED_SIZE?: number }).MAX_INFLATED_SIZE ?? 64 * MiB;
      const child = await startChildDaemon(config);
      try {
        await servesNewClient(child.uri);
        const before = Number(await child.ask("peak"));
        for (let i = 0; i < 3; i++) {
          const socket = await rawConnect(child.port);
          const answer = new Promise<string>((resolve) => {
            let got = "";
            socket.on("data", (d) => got += d.toString("latin1"));
            socket.on("close", () => resolve(got));
          });
          socket.write(message);
          // While the bomb is refused, other clients are served.
          await servesNewClient(child.uri, 5000);
          const reply = await within(answer, 10_000, "refusal");
          assert.match(reply, /inflated payload exceeds/); // CONNECTFAIL with the reason
        }
        const grew = Number(await child.ask("peak")) - before;
        console.log(
          `inflate limit ${limit / MiB} MiB: peak grew by ${(grew / MiB).toFixed(1)} MiB`,
        );
        // One buffer of at most the limit (and the inflater's own little window): never the
        // inflated gigabyte. Generous: twice the limit plus 48 MiB of runtime noise.
        assert.ok(grew < 2 * limit + 48 * MiB, `peak grew by ${(grew / MiB).toFixed(1)} MiB`);
        await servesNewClient(child.uri);
      } finally {
        await child.close();
      }
    }
  });
});
