import { describe, expect, test } from "bun:test";
import {
  FrameFlag,
  type FrameHeader,
  FrameType,
  readFrameHeader,
  toHeaderFrames,
  writeFrameHeader,
} from "./http2-frames.ts";

/** Splits serialised frames back into headers and payloads. */
function readFrames(bytes: Uint8Array): { header: FrameHeader; payload: Uint8Array }[] {
  const frames = [];
  for (let at = 0; at < bytes.length; ) {
    const header = readFrameHeader(bytes, at);
    frames.push({ header, payload: bytes.subarray(at + 9, at + 9 + header.length) });
    at += 9 + header.length;
  }
  return frames;
}

describe("readFrameHeader()", () => {
  test("reads what writeFrameHeader() wrote, ignoring the reserved bit", () => {
    const bytes = new Uint8Array(9);
    const header = { length: 0xabcdef, type: 9, flags: 0x25, streamId: 0x7fffffff };
    writeFrameHeader(bytes, 0, header);
    expect(readFrameHeader(bytes)).toEqual(header);
    bytes[5] = (bytes[5] ?? 0) | 0x80;
    expect(readFrameHeader(bytes).streamId).toBe(0x7fffffff);
  });
});

describe("toHeaderFrames()", () => {
  test("sends a small block as one HEADERS frame with END_HEADERS", () => {
    const frames = readFrames(
      toHeaderFrames(Uint8Array.of(1, 2, 3), { streamId: 5, isEndStream: true, priority: null }),
    );
    expect(frames).toHaveLength(1);
    expect(frames[0]?.header).toEqual({
      length: 3,
      type: FrameType.Headers,
      flags: FrameFlag.EndHeaders | FrameFlag.EndStream,
      streamId: 5,
    });
  });

  test("splits a large block into HEADERS and CONTINUATION frames of at most 16384 octets", () => {
    const block = Uint8Array.from({ length: 40000 }, (_, i) => i & 0xff);
    const priority = Uint8Array.of(0x80, 0, 0, 3, 200);
    const frames = readFrames(toHeaderFrames(block, { streamId: 7, isEndStream: false, priority }));
    expect(
      frames.map((frame) => [frame.header.type, frame.header.flags, frame.header.length]),
    ).toEqual([
      [FrameType.Headers, FrameFlag.Priority, 16384],
      [FrameType.Continuation, 0, 16384],
      [FrameType.Continuation, FrameFlag.EndHeaders, 40000 + 5 - 2 * 16384],
    ]);
    expect(frames[0]?.payload.subarray(0, 5)).toEqual(priority);
    const joined = Buffer.concat([
      frames[0]?.payload.subarray(5) ?? new Uint8Array(0),
      ...frames.slice(1).map((frame) => frame.payload),
    ]);
    expect(new Uint8Array(joined)).toEqual(block);
  });

  test("fills the first frame exactly when the block fits it", () => {
    const frames = readFrames(
      toHeaderFrames(new Uint8Array(16384), { streamId: 1, isEndStream: false, priority: null }),
    );
    expect(frames).toHaveLength(1);
  });
});
