// Messages built here are parsed by real Pyro5, and messages real Pyro5 builds
// are parsed here: plain and compressed, with annotations and correlation ids.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildMessage, Flags, MessageReader, uuidToBytes } from "../../protocol/mod.ts";
import { suitePeer } from "../fixtures/python.ts";
import { fromHex, streamOf, toHex } from "../helpers.ts";

function payloadOf(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  // Repetitive enough to compress, varied enough to catch misplaced bytes.
  for (let i = 0; i < size; i++) out[i] = (i * seed + (i >> 4)) & 0xff;
  return out;
}

const cases = [
  { size: 0, annotations: {}, corr: null, compression: false },
  {
    size: 5,
    annotations: { XTRA: "6869" },
    corr: "11112222333344445555666677778888",
    compression: false,
  },
  { size: 100, annotations: {}, corr: null, compression: true },
  { size: 101, annotations: { ABCD: "0001", STRM: "" }, corr: null, compression: true },
  {
    size: 70_000,
    annotations: { BLBI: "29" },
    corr: "0000000000004000800000000000001d",
    compression: true,
  },
  { size: 300_000, annotations: {}, corr: null, compression: false },
];

describe("message framing against real Pyro5", () => {
  const peer = suitePeer("protocol_peer.py");

  it("Pyro5 parses what we build", async () => {
    for (const [i, c] of cases.entries()) {
      const payload = payloadOf(c.size, i + 3);
      const annotations = new Map(Object.entries(c.annotations).map(([k, v]) => [k, fromHex(v)]));
      const bytes = await buildMessage({
        type: 4,
        serializerId: 4,
        flags: Flags.ONEWAY,
        seq: 1000 + i,
        payload,
        annotations,
        correlationId: c.corr ? fromHex(c.corr) : null,
      }, { compress: c.compression });
      const got = await peer.request({ op: "parse", hex: toHex(bytes) });
      assert.equal(got.ok, true, got.error);
      assert.equal(got.type, 4);
      assert.equal(got.ser, 4);
      assert.equal(got.seq, 1000 + i);
      assert.equal(
        got.flags & ~Flags.CORR_ID,
        Flags.ONEWAY,
        `case ${i}: compressed flag cleared after inflate`,
      );
      assert.equal(got.corr, c.corr ?? "00000000000000000000000000000000");
      assert.deepEqual(got.annotations, c.annotations);
      assert.equal(got.payload_hex, toHex(payload), `case ${i}: payload`);
    }
  });

  it("we parse what Pyro5 builds, byte-identical when we encode the same fields uncompressed", async () => {
    for (const [i, c] of cases.entries()) {
      const payload = payloadOf(c.size, i + 5);
      const built = await peer.request({
        op: "build",
        type: 5,
        flags: Flags.BATCH,
        seq: 65535 - i,
        ser: 1,
        payload_hex: toHex(payload),
        annotations: c.annotations,
        corr: c.corr,
        compression: c.compression,
      });
      assert.equal(built.ok, true, built.error);
      const reader = new MessageReader(streamOf([fromHex(built.hex)]));
      const m = await reader.read();
      assert.ok(m);
      assert.equal(m.type, 5);
      assert.equal(m.seq, 65535 - i);
      assert.equal(m.flags & Flags.BATCH, Flags.BATCH);
      assert.equal(m.flags & Flags.COMPRESSED, 0);
      assert.equal(m.correlationId ? toHex(m.correlationId) : null, c.corr);
      assert.deepEqual(
        Object.fromEntries([...m.annotations].map(([k, v]) => [k, toHex(v)])),
        c.annotations,
      );
      assert.equal(toHex(m.payload), toHex(payload), `case ${i}: payload`);
      if (!c.compression || c.size <= 100) {
        const ours = await buildMessage({
          type: 5,
          serializerId: 1,
          flags: Flags.BATCH,
          seq: 65535 - i,
          payload,
          annotations: new Map(Object.entries(c.annotations).map(([k, v]) => [k, fromHex(v)])),
          correlationId: c.corr ? uuidToBytes(c.corr) : null,
        });
        assert.equal(toHex(ours), built.hex, `case ${i}: same bytes as Pyro5`);
      }
    }
  });
});
