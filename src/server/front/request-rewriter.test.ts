import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createHpackDecoder } from "./hpack/hpack-decoder.ts";
import { encodeHeaderBlock, writeInteger } from "./hpack/hpack-encoder.ts";
import { encodeHuffman } from "./hpack/hpack-huffman.ts";
import { type HeaderField, staticNameIndex, staticTable } from "./hpack/hpack-static-table.ts";
import {
  clientPreface,
  FrameFlag,
  type FrameHeader,
  FrameType,
  readFrameHeader,
  writeFrameHeader,
} from "./http2-frames.ts";
import { createRequestRewriter, Http2ConnectionError } from "./request-rewriter.ts";

const field = (name: string, value: string, neverIndexed = false): HeaderField => ({
  name,
  value,
  neverIndexed,
});

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(9 + payload.length);
  writeFrameHeader(bytes, 0, { length: payload.length, type, flags, streamId });
  bytes.set(payload, 9);
  return bytes;
}

const join = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Parses what the rewriter produced: the preface, then frames. */
function readOutput(parts: Uint8Array[]): { header: FrameHeader; payload: Uint8Array }[] {
  const bytes = join(parts);
  expect(hex(bytes.subarray(0, clientPreface.length))).toBe(hex(clientPreface));
  const frames = [];
  for (let at = clientPreface.length; at < bytes.length; ) {
    const header = readFrameHeader(bytes, at);
    frames.push({ header, payload: bytes.slice(at + 9, at + 9 + header.length) });
    at += 9 + header.length;
  }
  return frames;
}

/** Decodes every header block of the rewriter's output as the server would. */
function readServerHeaders(parts: Uint8Array[]): { streamId: number; fields: HeaderField[] }[] {
  const server = createHpackDecoder();
  const blocks: { streamId: number; fields: HeaderField[] }[] = [];
  let pending: Uint8Array[] = [];
  for (const { header, payload } of readOutput(parts)) {
    if (header.type !== FrameType.Headers && header.type !== FrameType.Continuation) continue;
    expect(header.flags & FrameFlag.Padded).toBe(0);
    pending.push(header.flags & FrameFlag.Priority ? payload.subarray(5) : payload);
    if (header.flags & FrameFlag.EndHeaders) {
      blocks.push({ streamId: header.streamId, fields: server.decode(join(pending)) });
      pending = [];
      // The server's table never fills: that is what keeps both sides consistent.
      expect(server.tableSize).toBe(0);
    }
  }
  return blocks;
}

const toLocalhost = (fields: HeaderField[]) =>
  fields.map((f) =>
    f.name === ":authority" && f.value.includes("/") ? { ...f, value: "localhost" } : f,
  );

const request = (authority: string) => [
  field(":method", "POST"),
  field(":scheme", "http"),
  field(":path", "/v1alpha1.CSIDriverProvider/Mount"),
  field(":authority", authority),
  field("content-type", "application/grpc"),
  field("te", "trailers"),
];

describe("createRequestRewriter()", () => {
  test("rewrites :authority and passes other frames through byte for byte", () => {
    const rewriter = createRequestRewriter({ rewrite: toLocalhost });
    const settings = frame(FrameType.Settings, 0, 0, Uint8Array.of(0, 4, 0, 0, 0xff, 0xff));
    const data = frame(FrameType.Data, FrameFlag.EndStream, 1, Uint8Array.of(0, 0, 0, 0, 0));
    const headers = frame(
      FrameType.Headers,
      FrameFlag.EndHeaders,
      1,
      encodeHeaderBlock(request("/var/run/aws.sock")),
    );
    const output = rewriter.write(join([clientPreface, settings, headers, data]));
    const frames = readOutput(output);
    expect(frames.map((f) => f.header.type)).toEqual([
      FrameType.Settings,
      FrameType.Headers,
      FrameType.Data,
    ]);
    expect(hex(frames[0]?.payload ?? new Uint8Array(0))).toBe(hex(settings.subarray(9)));
    expect(readServerHeaders(output)[0]?.fields).toEqual(request("localhost"));
  });

  test("streams DATA as it arrives instead of buffering whole frames", () => {
    const rewriter = createRequestRewriter({ rewrite: toLocalhost });
    const payload = Uint8Array.from({ length: 16384 }, (_, i) => i & 0xff);
    const data = frame(FrameType.Data, 0, 1, payload);
    rewriter.write(clientPreface);
    const first = rewriter.write(data.subarray(0, 1000));
    expect(hex(join(first))).toBe(hex(data.subarray(0, 1000)));
    expect(hex(join(rewriter.write(data.subarray(1000))))).toBe(hex(data.subarray(1000)));
  });

  test("reassembles HEADERS + CONTINUATION, keeps END_STREAM and priority, drops padding", () => {
    const rewriter = createRequestRewriter({ rewrite: toLocalhost });
    const block = encodeHeaderBlock(request("/tmp/x.sock"));
    const priority = Uint8Array.of(0, 0, 0, 0, 15);
    const padded = join([Uint8Array.of(4), priority, block.subarray(0, 10), new Uint8Array(4)]);
    const flags = FrameFlag.Padded | FrameFlag.Priority | FrameFlag.EndStream;
    const input = join([
      clientPreface,
      frame(FrameType.Headers, flags, 3, padded),
      frame(FrameType.Continuation, 0, 3, block.subarray(10, 20)),
      frame(FrameType.Continuation, FrameFlag.EndHeaders, 3, block.subarray(20)),
    ]);
    // One octet at a time: no state may depend on how the socket splits the stream.
    const output = [...input].flatMap((byte) => rewriter.write(Uint8Array.of(byte)));
    const [headers] = readOutput(output);
    expect(headers?.header.flags).toBe(
      FrameFlag.Priority | FrameFlag.EndStream | FrameFlag.EndHeaders,
    );
    expect(headers?.payload.subarray(0, 5)).toEqual(priority);
    expect(readServerHeaders(output)).toEqual([{ streamId: 3, fields: request("localhost") }]);
  });

  test("splits a rewritten block larger than 16384 octets into CONTINUATION frames", () => {
    const rewriter = createRequestRewriter({ rewrite: (fields) => fields });
    const big = [...request("localhost"), field("x-big", "v".repeat(40000))];
    const output = rewriter.write(
      join([
        clientPreface,
        frame(FrameType.Headers, FrameFlag.EndHeaders, 1, encodeHeaderBlock(big)),
      ]),
    );
    expect(readOutput(output).every((f) => f.header.length <= 16384)).toBe(true);
    expect(readServerHeaders(output)[0]?.fields).toEqual(big);
  });

  test.each([
    [
      "a wrong preface",
      join([new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")]),
      "PROTOCOL_ERROR",
    ],
    [
      "a frame between HEADERS and CONTINUATION",
      join([
        clientPreface,
        frame(FrameType.Headers, 0, 1, Uint8Array.of(0x82)),
        frame(FrameType.Data, 0, 3, Uint8Array.of(1)),
      ]),
      "PROTOCOL_ERROR",
    ],
    [
      "CONTINUATION without HEADERS",
      join([clientPreface, frame(FrameType.Continuation, 4, 1, Uint8Array.of(0x82))]),
      "PROTOCOL_ERROR",
    ],
    [
      "HEADERS on stream 0",
      join([clientPreface, frame(FrameType.Headers, 4, 0, Uint8Array.of(0x82))]),
      "PROTOCOL_ERROR",
    ],
    [
      "PUSH_PROMISE",
      join([clientPreface, frame(FrameType.PushPromise, 4, 1, new Uint8Array(4))]),
      "PROTOCOL_ERROR",
    ],
    [
      "padding beyond the payload",
      join([clientPreface, frame(FrameType.Headers, 0xc, 1, Uint8Array.of(5, 0x82))]),
      "PROTOCOL_ERROR",
    ],
    [
      "an undecodable block",
      join([clientPreface, frame(FrameType.Headers, 4, 1, Uint8Array.of(0x80))]),
      "COMPRESSION_ERROR",
    ],
    [
      "an oversized block",
      join([clientPreface, frame(FrameType.Headers, 0, 1, new Uint8Array(300_000))]),
      "ENHANCE_YOUR_CALM",
    ],
    [
      "a block of 17 frames (empty CONTINUATION frames)",
      join([
        clientPreface,
        frame(FrameType.Headers, 0, 1, Uint8Array.of(0x82)),
        ...Array.from({ length: 16 }, () => frame(FrameType.Continuation, 0, 1, new Uint8Array(0))),
      ]),
      "ENHANCE_YOUR_CALM",
    ],
    [
      "a block that decodes to more than 262144 octets (dynamic-table references)",
      join([
        clientPreface,
        frame(
          FrameType.Headers,
          4,
          1,
          // Inserts "x-a: <4000 octets>", then refers to it (index 62) 70 times.
          Uint8Array.from([
            0x40,
            3,
            ...new TextEncoder().encode("x-a"),
            0x7f,
            0xa1,
            0x1e,
            ...new Uint8Array(4000).fill(0x61),
            ...new Uint8Array(70).fill(0xbe),
          ]),
        ),
      ]),
      "ENHANCE_YOUR_CALM",
    ],
  ])("closes the connection on %s", (_name, input, code) => {
    const rewriter = createRequestRewriter({ rewrite: toLocalhost });
    let thrown: unknown;
    try {
      rewriter.write(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Http2ConnectionError);
    expect<string>((thrown as Http2ConnectionError).code).toBe(code);
  });
});

/**
 * A client-side encoder that uses the dynamic table the way real clients may: incremental
 * indexing, references to earlier entries, size updates and evictions, all chosen by fast-check.
 */
function createClientEncoder() {
  const table: [string, string][] = []; // newest first
  let size = 0;
  let maxSize = 4096;
  const evict = () => {
    while (size > maxSize) {
      const [name, value] = table.pop() ?? ["", ""];
      size -= name.length + value.length + 32;
    }
  };
  return (
    fields: { name: string; value: string; mode: number; isHuffman: boolean }[],
    sizeUpdate: number | null,
  ): Uint8Array => {
    const out: number[] = [];
    if (sizeUpdate !== null) {
      writeInteger(out, 0x20, 5, sizeUpdate);
      maxSize = sizeUpdate;
      evict();
    }
    const text = (value: string, isHuffman: boolean) => {
      if (isHuffman) {
        const coded = encodeHuffman(value);
        writeInteger(out, 0x80, 7, coded.length);
        for (const byte of coded) out.push(byte);
      } else {
        writeInteger(out, 0, 7, value.length);
        for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i));
      }
    };
    for (const { name, value, mode, isHuffman } of fields) {
      const exact = table.findIndex(([n, v]) => n === name && v === value);
      if (mode === 0 && exact >= 0) {
        writeInteger(out, 0x80, 7, staticTable.length + 1 + exact);
        continue;
      }
      const dynamicName = table.findIndex(([n]) => n === name);
      const nameIndex =
        dynamicName >= 0 && mode !== 3
          ? staticTable.length + 1 + dynamicName
          : (staticNameIndex.get(name) ?? 0);
      const [pattern, prefix] = mode <= 1 ? [0x40, 6] : mode === 2 ? [0x00, 4] : [0x10, 4];
      writeInteger(out, pattern, prefix, nameIndex);
      if (nameIndex === 0) text(name, isHuffman);
      text(value, isHuffman);
      if (pattern === 0x40) {
        table.unshift([name, value]);
        size += name.length + value.length + 32;
        evict();
      }
    }
    return Uint8Array.from(out);
  };
}

describe("createRequestRewriter() with a client that uses its dynamic table", () => {
  const name = fc.constantFrom(
    ":authority",
    ":path",
    "content-type",
    "grpc-timeout",
    "x-a",
    "x-b",
    "user-agent",
  );
  const value = fc.oneof(
    fc.constantFrom(
      "localhost",
      "/var/run/secrets-store-csi-providers/aws.sock",
      "application/grpc",
      "119S",
    ),
    fc.string({ maxLength: 300 }).map((s) => Buffer.from(s, "utf8").toString("latin1")),
  );
  const block = fc.record({
    fields: fc.array(
      fc.record({ name, value, mode: fc.integer({ min: 0, max: 3 }), isHuffman: fc.boolean() }),
      { minLength: 1, maxLength: 12 },
    ),
    sizeUpdate: fc.option(fc.integer({ min: 0, max: 4096 })),
    fragments: fc.integer({ min: 1, max: 4 }),
    padding: fc.option(fc.integer({ min: 0, max: 255 })),
    data: fc.uint8Array({ maxLength: 50 }),
  });

  test("delivers every block to the server with the same fields, whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 15 }),
        fc.array(fc.integer({ min: 1, max: 97 })),
        (blocks, cuts) => {
          const encode = createClientEncoder();
          const parts: Uint8Array[] = [clientPreface];
          const expected: { streamId: number; fields: HeaderField[] }[] = [];
          blocks.forEach((b, i) => {
            const streamId = 2 * i + 1;
            const encoded = encode(b.fields, b.sizeUpdate);
            // What the client meant (mode 3 is "never indexed"): the server must see exactly that.
            const sent = b.fields.map((f) => field(f.name, f.value, f.mode === 3));
            expected.push({ streamId, fields: toLocalhost(sent) });
            const step = Math.ceil(encoded.length / b.fragments);
            for (let at = 0, n = 0; at < encoded.length || n === 0; at += step, n++) {
              const piece = encoded.subarray(at, at + step);
              const isLast = at + step >= encoded.length;
              const flags = isLast ? FrameFlag.EndHeaders : 0;
              if (n > 0) parts.push(frame(FrameType.Continuation, flags, streamId, piece));
              else if (b.padding === null)
                parts.push(frame(FrameType.Headers, flags, streamId, piece));
              else {
                const padded = join([Uint8Array.of(b.padding), piece, new Uint8Array(b.padding)]);
                parts.push(frame(FrameType.Headers, flags | FrameFlag.Padded, streamId, padded));
              }
            }
            parts.push(frame(FrameType.Data, FrameFlag.EndStream, streamId, b.data));
          });
          const input = join(parts);
          const rewriter = createRequestRewriter({ rewrite: toLocalhost });
          const output: Uint8Array[] = [];
          let at = 0;
          for (const cut of [...cuts, input.length]) {
            output.push(...rewriter.write(input.subarray(at, Math.min(input.length, at + cut))));
            at = Math.min(input.length, at + cut);
          }
          expect(readServerHeaders(output)).toEqual(expected);
          const data = readOutput(output).filter((f) => f.header.type === FrameType.Data);
          expect(data.map((f) => [...f.payload])).toEqual(blocks.map((b) => [...b.data]));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("createRequestRewriter() with passThroughWhen", () => {
  /** Two requests on one connection, the second using entries the first added to the table. */
  function connection(authority: string): Uint8Array {
    const encode = createClientEncoder();
    const fieldsOf = (path: string) =>
      [...request(authority).filter((f) => f.name !== ":path"), field(":path", path)].map((f) => ({
        ...f,
        mode: 0,
        isHuffman: true,
      }));
    const first = encode(fieldsOf("/v1alpha1.CSIDriverProvider/Mount"), null);
    const second = encode(fieldsOf("/v1alpha1.CSIDriverProvider/Version"), null);
    const half = Math.floor(first.length / 2);
    const padded = join([Uint8Array.of(3), first.subarray(0, half), new Uint8Array(3)]);
    return join([
      clientPreface,
      frame(FrameType.Settings, 0, 0, new Uint8Array(0)),
      frame(FrameType.Headers, FrameFlag.Padded, 1, padded),
      frame(FrameType.Continuation, FrameFlag.EndHeaders, 1, first.subarray(half)),
      frame(FrameType.Data, FrameFlag.EndStream, 1, Uint8Array.of(0, 0, 0, 0, 1, 7)),
      frame(FrameType.Headers, FrameFlag.EndHeaders | FrameFlag.EndStream, 3, second),
    ]);
  }

  test("pipes a connection whose first request is servable byte for byte, at any chunking", () => {
    const input = connection("localhost");
    for (const cut of [1, 7, 9, 24, 50, input.length]) {
      let rewrites = 0;
      const rewriter = createRequestRewriter({
        passThroughWhen: () => true,
        rewrite: (fields) => {
          rewrites++;
          return fields;
        },
      });
      const output: Uint8Array[] = [];
      for (let at = 0; at < input.length; at += cut)
        output.push(...rewriter.write(input.subarray(at, at + cut)));
      expect(hex(join(output))).toBe(hex(input));
      expect(rewrites).toBe(0);
    }
  });

  test("rewrites the whole connection when the first request is not servable", () => {
    const input = connection("/var/run/secrets-store-csi-providers/aws.sock");
    const rewriter = createRequestRewriter({
      passThroughWhen: (fields) =>
        fields.every((f) => f.name !== ":authority" || !f.value.includes("/")),
      rewrite: toLocalhost,
    });
    const output = rewriter.write(input);
    const blocks = readServerHeaders(output);
    expect(blocks.map((b) => b.fields.find((f) => f.name === ":authority")?.value)).toEqual([
      "localhost",
      "localhost",
    ]);
    expect(blocks[1]?.fields.find((f) => f.name === ":path")?.value).toBe(
      "/v1alpha1.CSIDriverProvider/Version",
    );
  });
});
