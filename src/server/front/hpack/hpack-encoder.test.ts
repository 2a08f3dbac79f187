import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createHpackDecoder } from "./hpack-decoder.ts";
import { encodeHeaderBlock, writeInteger } from "./hpack-encoder.ts";
import { type HeaderField, staticTable } from "./hpack-static-table.ts";

const toHex = (bytes: Iterable<number>) => Buffer.from(Array.from(bytes)).toString("hex");
const field = (name: string, value: string, neverIndexed = false): HeaderField => ({
  name,
  value,
  neverIndexed,
});

describe("staticTable", () => {
  test.each([
    [1, ":authority", ""],
    [2, ":method", "GET"],
    [16, "accept-encoding", "gzip, deflate"],
    [31, "content-type", ""],
    [59, "vary", ""],
    [61, "www-authenticate", ""],
  ])("holds RFC 7541 Appendix A entry %p", (index, name, value) => {
    expect(staticTable[index - 1]).toEqual([name, value]);
    expect(staticTable).toHaveLength(61);
  });
});

describe("writeInteger()", () => {
  test.each([
    [5, 10, "0a"],
    [5, 1337, "1f9a0a"],
    [8, 42, "2a"],
  ])("writes with a %p-bit prefix %p as %p (RFC 7541 C.1)", (prefix, value, bytes) => {
    const output: number[] = [];
    writeInteger(output, 0, prefix, value);
    expect(toHex(output)).toBe(bytes);
  });
});

describe("encodeHeaderBlock()", () => {
  test("starts every block with a dynamic table size update to 0", () => {
    expect(toHex(encodeHeaderBlock([]))).toBe("20");
  });

  test("sends an exact static-table match as one indexed octet", () => {
    expect(toHex(encodeHeaderBlock([field(":method", "GET"), field(":scheme", "http")]))).toBe(
      "208286",
    );
  });

  test("sends other fields as literals without indexing, with a static name where there is one", () => {
    const block = encodeHeaderBlock([field(":authority", "localhost"), field("te", "trailers")]);
    // 0x01 = without indexing, name index 1 (:authority); 0x00 = without indexing, new name.
    expect(block[1]).toBe(0x01);
    expect(block.includes(0x40)).toBe(false);
    const decoded = createHpackDecoder().decode(block);
    expect(decoded).toEqual([field(":authority", "localhost"), field("te", "trailers")]);
  });

  test("keeps never-indexed fields never indexed, even when the static table holds them", () => {
    const block = encodeHeaderBlock([
      field("authorization", "", true),
      field("x-token", "t", true),
    ]);
    expect(toHex(block.subarray(0, 3))).toBe("201f08"); // never indexed, name index 15 + 8 = 23
    expect(createHpackDecoder().decode(block)).toEqual([
      field("authorization", "", true),
      field("x-token", "t", true),
    ]);
  });

  test("round-trips any header list and leaves the receiver's dynamic table empty", () => {
    const octets = fc
      .uint8Array({ maxLength: 40 })
      .map((bytes) => Buffer.from(bytes).toString("latin1"));
    const names = fc.oneof(
      octets,
      fc.constantFrom(...staticTable.map(([name]) => name)),
      fc.constantFrom(":authority", "content-type", "grpc-timeout", "user-agent"),
    );
    const fields = fc.array(
      fc.record({
        name: names,
        value: fc.oneof(octets, fc.constantFrom(...staticTable.map(([, value]) => value))),
        neverIndexed: fc.boolean(),
      }),
      { maxLength: 20 },
    );
    const receiver = createHpackDecoder();
    fc.assert(
      fc.property(fields, (list) => {
        expect(receiver.decode(encodeHeaderBlock(list))).toEqual(list);
        expect(receiver.tableSize).toBe(0);
        expect(receiver.maxTableSize).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
