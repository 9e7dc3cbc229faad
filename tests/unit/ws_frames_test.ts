// The RFC 6455 frame decoder of our Node WebSocket server: masked client frames decoded whole,
// one byte at a time and in 2-byte chunks; fragments with a ping between them; every protocol
// breach refused with its close code, an oversized length before its payload arrives.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  closePayload,
  encodeFrame,
  FrameDecoder,
  FrameError,
  Opcode,
  type Received,
} from "../../http/ws_frames.ts";
import { chunked, concatBytes } from "../helpers.ts";

/** A client frame: masked with a fixed key. */
function clientFrame(opcode: number, payload: Uint8Array, fin = true, rsv = 0): Uint8Array {
  const mask = [0x37, 0xfa, 0x21, 0x3d];
  const n = payload.length;
  const head = n < 126 ? [n | 0x80] : n < 65536 ? [126 | 0x80, n >> 8, n & 0xff] : [
    127 | 0x80,
    0,
    0,
    0,
    0,
    (n >>> 24) & 0xff,
    (n >>> 16) & 0xff,
    (n >>> 8) & 0xff,
    n & 0xff,
  ];
  const out = new Uint8Array(1 + head.length + 4 + n);
  out[0] = (fin ? 0x80 : 0) | rsv | opcode;
  out.set(head, 1);
  out.set(mask, 1 + head.length);
  for (let i = 0; i < n; i++) out[1 + head.length + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

function decodeIn(chunks: Uint8Array[], max = 1 << 20): Received[] {
  const decoder = new FrameDecoder({ maxMessageSize: max });
  return chunks.flatMap((c) => decoder.push(c));
}

describe("FrameDecoder", () => {
  const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
  const stream = concatBytes([
    clientFrame(Opcode.TEXT, text("héllo")),
    clientFrame(Opcode.BINARY, new Uint8Array(0)),
    clientFrame(Opcode.BINARY, new Uint8Array(300).fill(9)),
    clientFrame(Opcode.BINARY, big),
    clientFrame(Opcode.BINARY, text("frag-"), false),
    clientFrame(Opcode.PING, text("p")),
    clientFrame(Opcode.CONTINUATION, text("ment"), true),
    clientFrame(Opcode.CLOSE, closePayload(1000, "bye")),
  ]);
  const expected: Received[] = [
    { type: "text", data: "héllo" },
    { type: "binary", data: new Uint8Array(0) },
    { type: "binary", data: new Uint8Array(300).fill(9) },
    { type: "binary", data: big },
    { type: "ping", data: text("p") },
    { type: "binary", data: text("frag-ment") },
    { type: "close", code: 1000, reason: "bye" },
  ];

  it("decodes frames pushed whole", () => {
    assert.deepEqual(decodeIn([stream]), expected);
  });

  it("decodes frames pushed one byte at a time", () => {
    assert.deepEqual(decodeIn(chunked(stream, 1)), expected);
  });

  it("decodes frames pushed in 2-byte chunks", () => {
    assert.deepEqual(decodeIn(chunked(stream, 2)), expected);
  });

  const refusals: Array<[string, Uint8Array, number]> = [
    ["an unmasked frame", new Uint8Array([0x82, 0x01, 0x00]), 1002],
    ["reserved bits", clientFrame(Opcode.BINARY, text("x"), true, 0x40), 1002],
    ["an unknown opcode", clientFrame(0x3, text("x")), 1002],
    ["a control frame over 125 bytes", clientFrame(Opcode.PING, new Uint8Array(126)), 1002],
    ["a fragmented control frame", clientFrame(Opcode.PING, text("x"), false), 1002],
    ["a continuation of nothing", clientFrame(Opcode.CONTINUATION, text("x")), 1002],
    [
      "a new message inside a fragmented one",
      concatBytes([
        clientFrame(Opcode.TEXT, text("a"), false),
        clientFrame(Opcode.TEXT, text("b")),
      ]),
      1002,
    ],
    ["text that is not UTF-8", clientFrame(Opcode.TEXT, new Uint8Array([0xc3, 0x28])), 1007],
    ["a close frame of one byte", clientFrame(Opcode.CLOSE, new Uint8Array([3])), 1002],
  ];
  for (const [what, bytes, code] of refusals) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(
        () => decodeIn([bytes]),
        (e: Error) => e instanceof FrameError && e.code === code,
      );
    });
  }

  it("refuses a message over the limit from its header, before its payload", () => {
    const decoder = new FrameDecoder({ maxMessageSize: 1000 });
    // A header claiming 2^40 bytes, and no payload at all.
    const header = new Uint8Array([0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    assert.throws(
      () => decoder.push(header),
      (e: Error) => e instanceof FrameError && e.code === 1009,
    );
    const fragments = new FrameDecoder({ maxMessageSize: 1000 });
    fragments.push(clientFrame(Opcode.BINARY, new Uint8Array(600), false));
    assert.throws(
      () => fragments.push(clientFrame(Opcode.CONTINUATION, new Uint8Array(600))),
      (e: Error) => e instanceof FrameError && e.code === 1009,
    );
  });
});

describe("encodeFrame", () => {
  for (const [n, headerLength] of [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10]]) {
    it(`gives a ${headerLength}-byte header for ${n} bytes`, () => {
      const [header, body] = encodeFrame(Opcode.BINARY, new Uint8Array(n));
      assert.equal(header.length, headerLength);
      assert.equal(header[0], 0x82);
      assert.equal(body.length, n);
    });
  }

  it("cuts a close reason to 123 bytes of whole characters", () => {
    const payload = closePayload(4403, "é".repeat(100));
    assert.ok(payload.length <= 125);
    assert.equal((payload[0] << 8) | payload[1], 4403);
    assert.doesNotThrow(() =>
      new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2))
    );
  });
});
