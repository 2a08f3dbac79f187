import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createFrameScanner } from "./frame-scanner.ts";
import { clientPreface, type FrameHeader, writeFrameHeader } from "./http2-frames.ts";

function frame(header: Omit<FrameHeader, "length">, length: number): Uint8Array {
  const bytes = new Uint8Array(9 + length).fill(0xee, 9);
  writeFrameHeader(bytes, 0, { ...header, length });
  return bytes;
}

const frames = [
  frame({ type: 4, flags: 0, streamId: 0 }, 12),
  frame({ type: 1, flags: 4, streamId: 1 }, 40),
  frame({ type: 0, flags: 1, streamId: 1 }, 0),
  frame({ type: 0, flags: 0, streamId: 3 }, 20_000),
  frame({ type: 6, flags: 1, streamId: 0 }, 8),
];
const stream = Buffer.concat([clientPreface, ...frames]);
const expected = [
  { length: 12, type: 4, flags: 0, streamId: 0 },
  { length: 40, type: 1, flags: 4, streamId: 1 },
  { length: 0, type: 0, flags: 1, streamId: 1 },
  { length: 20_000, type: 0, flags: 0, streamId: 3 },
  { length: 8, type: 6, flags: 1, streamId: 0 },
];

describe("createFrameScanner()", () => {
  test("reports every frame header after the preface, however the bytes are split", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 })), (cuts) => {
        const seen: FrameHeader[] = [];
        const scanner = createFrameScanner((header) => seen.push({ ...header }), {
          prefixLength: clientPreface.length,
        });
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          scanner.scan(stream.subarray(at, cut));
          at = cut;
        }
        scanner.scan(stream.subarray(at));
        expect(seen).toEqual(expected);
        expect(scanner.isMidFrame()).toBe(false);
      }),
    );
  });

  test("knows when the bytes end inside the preface, a frame header or a payload", () => {
    const scanner = createFrameScanner(() => {}, { prefixLength: clientPreface.length });
    expect(scanner.isMidFrame()).toBe(true);
    scanner.scan(stream.subarray(0, 10));
    expect(scanner.isMidFrame()).toBe(true);
    scanner.scan(stream.subarray(10, 24));
    expect(scanner.isMidFrame()).toBe(false);
    scanner.scan(stream.subarray(24, 28));
    expect(scanner.isMidFrame()).toBe(true);
    scanner.scan(stream.subarray(28, 24 + 9 + 12 - 1));
    expect(scanner.isMidFrame()).toBe(true);
    scanner.scan(stream.subarray(24 + 9 + 12 - 1, 24 + 9 + 12));
    expect(scanner.isMidFrame()).toBe(false);
  });
});
