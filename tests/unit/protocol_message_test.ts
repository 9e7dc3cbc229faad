import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  buildMessage,
  bytesToUuid,
  compress,
  decompress,
  encodeMessage,
  Flags,
  FrameDecoder,
  type Message,
  MessageReader,
  MsgType,
  parseHeader,
  uuidToBytes,
} from "../../protocol/mod.ts";
import { ConnectionClosedError, MessageTooLargeError, ProtocolError } from "../../errors.ts";
import { getSerializer } from "../../serializers/mod.ts";
import { chunked, fromHex, loadVectors, streamOf, toHex } from "../helpers.ts";

interface VectorMessage {
  type: number;
  serializer_id: number;
  flags: number;
  seq: number;
  data_size: number;
  annotations_size: number;
  correlation_id: string;
  annotations: Record<string, string>;
  payload_hex: string;
  payload_decompressed_hex?: string;
  full_hex: string;
}

const scenarios = loadVectors("messages.json") as Record<string, { messages: VectorMessage[] }>;
const errorCases = loadVectors("errors.json") as Array<{
  description: string;
  sent_hex: string[];
  responses: Array<{ raw_hex: string; messages: VectorMessage[] }>;
}>;

const allMessages: Array<[string, VectorMessage]> = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  scenario.messages.forEach((m, i) => allMessages.push([`${name}#${i}`, m]));
}
for (const c of errorCases) {
  for (const r of c.responses) {
    r.messages.forEach((m, i) => allMessages.push([`${c.description}#${i}`, m]));
  }
}
const nameserver = loadVectors("nameserver.json") as {
  calls: Array<{ method: string; messages: VectorMessage[] }>;
};
nameserver.calls.forEach((c, k) =>
  c.messages.forEach((m, i) => allMessages.push([`nameserver ${c.method}#${k}.${i}`, m]))
);
// The HTTP gateway vectors record only the payload text of the messages it exchanged.
const gateway = loadVectors("httpgateway.json") as Array<{
  description: string;
  pyro_messages: Array<{ type_name: string; serializer_id: number; payload_text?: string }>;
}>;

function assertMatches(got: Message, want: VectorMessage, label: string) {
  assert.equal(got.type, want.type, `${label}: type`);
  assert.equal(got.serializerId, want.serializer_id, `${label}: serializer`);
  assert.equal(got.seq, want.seq, `${label}: seq`);
  const corr = want.flags & Flags.CORR_ID ? want.correlation_id : null;
  assert.equal(
    got.correlationId ? toHex(got.correlationId) : null,
    corr,
    `${label}: correlation id`,
  );
  const annotations = Object.fromEntries([...got.annotations].map(([k, v]) => [k, toHex(v)]));
  assert.deepEqual(annotations, want.annotations, `${label}: annotations`);
}

function decodeAll(chunks: Uint8Array[]): Message[] {
  const decoder = new FrameDecoder();
  const out: Message[] = [];
  for (const chunk of chunks) out.push(...decoder.push(chunk));
  decoder.end();
  return out;
}

describe("golden messages", () => {
  it("decode whole, byte by byte and in 2-byte chunks, and re-encode identically", async () => {
    let decoded = 0;
    let reencoded = 0;
    for (const [label, want] of allMessages) {
      const full = fromHex(want.full_hex);
      for (const size of [full.length, 1, 2]) {
        const messages = decodeAll(chunked(full, size));
        assert.equal(messages.length, 1, `${label}: one message from chunks of ${size}`);
        const [got] = messages;
        assertMatches(got, want, `${label} (chunks of ${size})`);
        assert.equal(got.flags, want.flags, `${label}: flags`);
        assert.equal(toHex(got.payload), want.payload_hex, `${label}: raw payload`);
      }
      decoded++;
      // Re-encode from the decoded fields: the bytes must be Python's exactly.
      const [got] = decodeAll([full]);
      const again = encodeMessage({
        type: got.type,
        serializerId: got.serializerId,
        flags: got.flags,
        seq: got.seq,
        payload: got.payload,
        annotations: got.annotations,
        correlationId: got.correlationId,
      });
      assert.equal(toHex(again), want.full_hex, `${label}: re-encoded bytes`);
      reencoded++;
      // Through the message stream, compressed payloads come out inflated.
      const reader = new MessageReader(streamOf(chunked(full, 7)));
      const streamed = await reader.read();
      assert.ok(streamed, label);
      assertMatches(streamed, want, `${label} (stream)`);
      assert.equal(toHex(streamed.payload), want.payload_decompressed_hex ?? want.payload_hex);
      assert.equal(streamed.flags & Flags.COMPRESSED, 0);
      assert.equal(await reader.read(), null);
    }
    assert.ok(decoded > 100, `expected the whole vector set, got ${decoded}`);
    console.log(
      `message vectors: ${decoded} decoded, ${reencoded} re-encoded byte-identically (of ${allMessages.length})`,
    );
  });

  it("decodes whole conversations fed back to back", () => {
    for (const [name, scenario] of Object.entries(scenarios)) {
      const all = scenario.messages.map((m) => fromHex(m.full_hex));
      const joined = new Uint8Array(all.reduce((n, a) => n + a.length, 0));
      let o = 0;
      for (const a of all) {
        joined.set(a, o);
        o += a.length;
      }
      for (const size of [joined.length, 3, 1]) {
        const got = decodeAll(chunked(joined, size));
        assert.equal(got.length, scenario.messages.length, name);
        got.forEach((m, i) => assertMatches(m, scenario.messages[i], `${name}#${i}`));
      }
    }
  });

  it("parses the header fields the vectors record", () => {
    for (const [label, want] of allMessages) {
      const h = parseHeader(fromHex(want.full_hex));
      assert.equal(h.dataSize, want.data_size, label);
      assert.equal(h.annotationsSize, want.annotations_size, label);
      assert.equal(h.flags, want.flags, label);
      // Read in place after other bytes, as the frame decoder does: the same fields.
      const shifted = fromHex("00ff" + want.full_hex);
      assert.deepEqual(parseHeader(shifted, undefined, 2), h, label);
    }
    assert.throws(() => parseHeader(new Uint8Array(50), undefined, 20), /header too short: 30/);
  });
});

describe("golden payloads", () => {
  it("every payload of every recorded message decodes with the serializer its header names", async () => {
    let count = 0;
    for (const [label, want] of allMessages) {
      if (want.type === MsgType.PING || want.data_size === 0) continue;
      const reader = new MessageReader(streamOf([fromHex(want.full_hex)]));
      const m = (await reader.read())!;
      const serializer = getSerializer(m.serializerId);
      if (m.type === MsgType.INVOKE && !(m.flags & Flags.KEEPSERIALIZED)) {
        const call = serializer.loadsCall(m.payload);
        assert.equal(typeof call.method, "string", label);
      } else {
        serializer.loads(m.payload);
      }
      count++;
    }
    for (const g of gateway) {
      for (const m of g.pyro_messages) {
        if (m.payload_text === undefined || m.type_name === "PING") continue;
        const bytes = new TextEncoder().encode(m.payload_text);
        const serializer = getSerializer(m.serializer_id);
        if (m.type_name === "INVOKE") serializer.loadsCall(bytes);
        else serializer.loads(bytes);
        count++;
      }
    }
    assert.ok(count > 190, `decoded ${count}`);
    console.log(`message payloads: ${count} decoded with the serializer named in their header`);
  });
});

describe("bad input", () => {
  const good = encodeMessage({
    type: MsgType.INVOKE,
    serializerId: 1,
    seq: 7,
    payload: new Uint8Array([1, 2, 3]),
  });

  it("rejects a bad tag and says what it saw", () => {
    const bad = good.slice();
    bad.set([0x58, 0x58, 0x58, 0x58], 0);
    assert.throws(
      () => new FrameDecoder().push(bad),
      (e: Error) => e instanceof ProtocolError && /invalid data: tag is 0x58585858/.test(e.message),
    );
  });

  it("rejects a wrong version", () => {
    const bad = good.slice();
    bad[5] = 0xf5;
    assert.throws(
      () => new FrameDecoder().push(bad),
      /invalid protocol version: 501 \(expected 502\)/,
    );
  });

  it("rejects a bad magic number", () => {
    const bad = good.slice();
    bad[38] = 0x12;
    bad[39] = 0x34;
    assert.throws(() => new FrameDecoder().push(bad), /magic is 0x1234, expected 0x4dc5/);
  });

  it("rejects a declared size over the limit before allocating anything", () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(12, 0xffffffff);
    const decoder = new FrameDecoder({ maxMessageSize: 1000 });
    // Only the header is pushed: a decoder that allocated first would need 4 GiB here.
    assert.throws(
      () => decoder.push(bad.subarray(0, 40)),
      (e: Error) =>
        e instanceof MessageTooLargeError && e instanceof ProtocolError &&
        e.message === "message too large (4294967295, max=1000)",
    );
  });

  it("reports a truncated header and a truncated body at end of stream", () => {
    const d1 = new FrameDecoder();
    d1.push(good.subarray(0, 20));
    assert.throws(
      () => d1.end(),
      (e: Error) => e instanceof ConnectionClosedError && /20 of 40 header/.test(e.message),
    );
    const d2 = new FrameDecoder();
    d2.push(good.subarray(0, 41));
    assert.throws(() => d2.end(), /1 of 3 message body bytes/);
  });

  it("fails on garbage after a valid message", () => {
    const garbage = new Uint8Array([
      ...good,
      ...new TextEncoder().encode("GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE!"),
    ]);
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.push(garbage), ProtocolError);
    const d2 = new FrameDecoder();
    assert.equal(d2.push(garbage.subarray(0, good.length)).length, 1);
    assert.throws(() => d2.push(garbage.subarray(good.length)), /invalid data/);
  });

  it("rejects annotation chunks that run past the annotation area", () => {
    const m = encodeMessage({
      type: 4,
      serializerId: 1,
      seq: 1,
      payload: new Uint8Array(4),
      annotations: { XTRA: new Uint8Array(2) },
    });
    new DataView(m.buffer).setUint32(44, 9); // chunk claims 9 bytes, area holds 2
    assert.throws(
      () => new FrameDecoder().push(m),
      /annotation chunk length exceeds remaining data/,
    );
  });

  it("refuses annotation ids that are not 4 ASCII characters", () => {
    assert.throws(
      () =>
        encodeMessage({
          type: 4,
          serializerId: 1,
          seq: 1,
          payload: new Uint8Array(),
          annotations: { TOOLONG: new Uint8Array() },
        }),
      ProtocolError,
    );
  });

  it("refuses to send a message over the limit", () => {
    assert.throws(
      () => encodeMessage({ type: 4, serializerId: 1, seq: 1, payload: new Uint8Array(101) }, 100),
      MessageTooLargeError,
    );
  });

  it("a stream that ends mid-message raises ConnectionClosedError", async () => {
    const reader = new MessageReader(streamOf([good.subarray(0, 30)]));
    await assert.rejects(reader.read(), ConnectionClosedError);
  });
});

describe("compression", () => {
  it("round-trips and writes a zlib stream Python can read (78 xx header)", async () => {
    const data = new TextEncoder().encode("hello ".repeat(100));
    const packed = await compress(data);
    assert.equal(packed[0], 0x78);
    assert.ok(packed.length < data.length);
    assert.deepEqual(await decompress(packed, 10_000), data);
  });

  it("compresses only payloads over 100 bytes", async () => {
    const ofSize = (size: number) =>
      buildMessage({ type: 4, serializerId: 1, seq: 1, payload: new Uint8Array(size) }, {
        compress: true,
      });
    const small = await ofSize(100);
    assert.equal(parseHeader(small).flags & Flags.COMPRESSED, 0);
    const big = await ofSize(101);
    assert.equal(parseHeader(big).flags & Flags.COMPRESSED, Flags.COMPRESSED);
    const [m] = new FrameDecoder().push(big);
    assert.deepEqual(await decompress(m.payload, 1000), new Uint8Array(101));
  });

  it("refuses a payload that inflates past the limit, and garbage", async () => {
    const bomb = await compress(new Uint8Array(1_000_000));
    await assert.rejects(decompress(bomb, 1000), /inflated payload exceeds 1000 bytes/);
    await assert.rejects(decompress(new Uint8Array([1, 2, 3, 4, 5]), 1000), ProtocolError);
  });
});

describe("correlation ids", () => {
  it("converts between UUID text and RFC 4122 bytes", () => {
    const id = "11112222-3333-4444-5555-666677778888";
    assert.equal(toHex(uuidToBytes(id)), "11112222333344445555666677778888");
    assert.equal(bytesToUuid(uuidToBytes(id)), id);
    assert.throws(() => uuidToBytes("nope"), TypeError);
  });

  it("sets the CORR_ID flag when an id is given and clears it otherwise", () => {
    const withId = encodeMessage({
      type: 4,
      serializerId: 1,
      seq: 1,
      payload: new Uint8Array(),
      correlationId: uuidToBytes(crypto.randomUUID()),
    });
    assert.equal(parseHeader(withId).flags & Flags.CORR_ID, Flags.CORR_ID);
    const without = encodeMessage({
      type: 4,
      serializerId: 1,
      seq: 1,
      flags: Flags.CORR_ID,
      payload: new Uint8Array(),
    });
    assert.equal(parseHeader(without).flags & Flags.CORR_ID, 0);
  });

  it("wraps sequence numbers at 65536", () => {
    const m = encodeMessage({ type: 4, serializerId: 1, seq: 65537, payload: new Uint8Array() });
    assert.equal(parseHeader(m).seq, 1);
  });
});

/** A chunk source like the Deno transport's: chunks by read(), or bytes straight into a view. */
function directSource(bytes: Uint8Array, firstChunk: number, step: number) {
  let offset = 0;
  const log: string[] = [];
  return {
    log,
    read(): Promise<ReadableStreamReadResult<Uint8Array>> {
      if (offset >= bytes.length) return Promise.resolve({ done: true, value: undefined });
      const n = Math.min(offset === 0 ? firstChunk : step, bytes.length - offset);
      log.push(`read ${n}`);
      const value = bytes.slice(offset, offset += n);
      return Promise.resolve({ done: false, value });
    },
    readInto(view: Uint8Array): Promise<number | null> {
      if (offset >= bytes.length) return Promise.resolve(null);
      const n = Math.min(view.length, step, bytes.length - offset);
      view.set(bytes.subarray(offset, offset + n));
      offset += n;
      log.push(`into ${n}`);
      return Promise.resolve(n);
    },
    cancel: () => Promise.resolve(),
  };
}

describe("reading large bodies straight into place", () => {
  const payload = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
  const big = encodeMessage({ type: MsgType.RESULT, serializerId: 4, seq: 9, payload });
  const small = encodeMessage({
    type: MsgType.RESULT,
    serializerId: 4,
    seq: 10,
    payload: new Uint8Array([1, 2, 3]),
  });

  it("fills the rest of a large body with readInto and then reads on by chunks", async () => {
    const both = new Uint8Array(big.length + small.length);
    both.set(big);
    both.set(small, big.length);
    const source = directSource(both, 1000, 100_000);
    const reader = new MessageReader(source);
    const first = await reader.read();
    assert.equal(first!.seq, 9);
    assert.deepEqual(first!.payload, payload);
    assert.ok(source.log.some((l) => l.startsWith("into")), source.log.join(", "));
    const second = await reader.read();
    assert.equal(second!.seq, 10);
    assert.deepEqual(second!.payload, new Uint8Array([1, 2, 3]));
    assert.equal(await reader.read(), null);
  });

  it("names how far a body got when the stream ends inside it", async () => {
    const reader = new MessageReader(directSource(big.subarray(0, 200_000), 1000, 100_000));
    await assert.rejects(reader.read(), (e: Error) => {
      assert.ok(e instanceof ConnectionClosedError);
      assert.match(e.message, /stream ended after \d+ of 300000 message body bytes/);
      return true;
    });
  });

  it("still refuses an oversized message before allocating its body", async () => {
    const reader = new MessageReader(directSource(big, 1000, 100_000), {
      maxMessageSize: 100_000,
    });
    await assert.rejects(reader.read(), MessageTooLargeError);
  });

  it("the decoder refuses a fill count that does not fit the pending body", () => {
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.bodyFilled(1), RangeError);
    decoder.push(big.subarray(0, 1000));
    const pending = decoder.pendingBody()!;
    assert.equal(pending.length, big.length - 1000);
    assert.throws(() => decoder.bodyFilled(pending.length + 1), RangeError);
  });
});
