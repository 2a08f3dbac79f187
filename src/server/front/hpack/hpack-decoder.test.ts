import { describe, expect, test } from "bun:test";
import { createHpackDecoder, readInteger } from "./hpack-decoder.ts";
import { HpackError } from "./hpack-error.ts";

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
const pairs = (fields: { name: string; value: string }[]) =>
  fields.map((field) => [field.name, field.value]);

/** A dynamic table size update to 256, which Appendix C.5 and C.6 assume was agreed beforehand. */
const tableSize256 = "3fe1 01";

const date21 = "Mon, 21 Oct 2013 20:13:21 GMT";
const date22 = "Mon, 21 Oct 2013 20:13:22 GMT";
const cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

/** RFC 7541 Appendix C.3 (raw) and C.4 (Huffman): three requests on one connection. */
const requests = [
  {
    raw: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    huffman: "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
    fields: [
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
    ],
    table: [[":authority", "www.example.com"]],
    size: 57,
  },
  {
    raw: "8286 84be 5808 6e6f 2d63 6163 6865",
    huffman: "8286 84be 5886 a8eb 1064 9cbf",
    fields: [
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
      ["cache-control", "no-cache"],
    ],
    table: [
      ["cache-control", "no-cache"],
      [":authority", "www.example.com"],
    ],
    size: 110,
  },
  {
    raw: "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    huffman: "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    fields: [
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ],
    table: [
      ["custom-key", "custom-value"],
      ["cache-control", "no-cache"],
      [":authority", "www.example.com"],
    ],
    size: 164,
  },
];

/** RFC 7541 Appendix C.5 (raw) and C.6 (Huffman): three responses, 256-octet table, evictions. */
const responses = [
  {
    raw: "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    huffman:
      "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
    fields: [
      [":status", "302"],
      ["cache-control", "private"],
      ["date", date21],
      ["location", "https://www.example.com"],
    ],
    table: [
      ["location", "https://www.example.com"],
      ["date", date21],
      ["cache-control", "private"],
      [":status", "302"],
    ],
    size: 222,
  },
  {
    raw: "4803 3330 37c1 c0bf",
    huffman: "4883 640e ffc1 c0bf",
    fields: [
      [":status", "307"],
      ["cache-control", "private"],
      ["date", date21],
      ["location", "https://www.example.com"],
    ],
    table: [
      [":status", "307"],
      ["location", "https://www.example.com"],
      ["date", date21],
      ["cache-control", "private"],
    ],
    size: 222,
  },
  {
    raw: "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
    huffman:
      "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    fields: [
      [":status", "200"],
      ["cache-control", "private"],
      ["date", date22],
      ["location", "https://www.example.com"],
      ["content-encoding", "gzip"],
      ["set-cookie", cookie],
    ],
    table: [
      ["set-cookie", cookie],
      ["content-encoding", "gzip"],
      ["date", date22],
    ],
    size: 215,
  },
];

describe("readInteger()", () => {
  test.each([
    ["0a", 5, 10],
    ["1f9a 0a", 5, 1337],
    ["2a", 8, 42],
  ])("reads %p with a %p-bit prefix as %p (RFC 7541 C.1)", (bytes, prefix, value) => {
    const reader = { bytes: hex(bytes), offset: 0 };
    expect(readInteger(reader, prefix)).toBe(value);
    expect(reader.offset).toBe(hex(bytes).length);
  });

  test("rejects a truncated integer", () => {
    expect(() => readInteger({ bytes: hex("1f9a"), offset: 0 }, 5)).toThrow("truncated");
  });

  test("rejects an integer above 2^32 - 1", () => {
    expect(() => readInteger({ bytes: hex("1fff ffff ffff 7f"), offset: 0 }, 5)).toThrow(
      "overflow",
    );
  });
});

describe("createHpackDecoder()", () => {
  test.each([
    [
      "C.2.1 literal with indexing",
      "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
      ["custom-key", "custom-header"],
      55,
    ],
    [
      "C.2.2 literal without indexing",
      "040c 2f73 616d 706c 652f 7061 7468",
      [":path", "/sample/path"],
      0,
    ],
    [
      "C.2.3 literal never indexed",
      "1008 7061 7373 776f 7264 0673 6563 7265 74",
      ["password", "secret"],
      0,
    ],
    ["C.2.4 indexed field", "82", [":method", "GET"], 0],
  ])("decodes the %s example", (_name, block, field, size) => {
    const decoder = createHpackDecoder();
    expect(pairs(decoder.decode(hex(block)))).toEqual([field]);
    expect(decoder.tableSize).toBe(size);
  });

  test("marks never-indexed literals so that they are re-encoded the same way", () => {
    const [field] = createHpackDecoder().decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74"));
    expect(field?.neverIndexed).toBe(true);
  });

  test.each(["raw", "huffman"] as const)(
    "decodes the requests of C.3/C.4 (%s) with one table across blocks",
    (coding) => {
      const decoder = createHpackDecoder();
      for (const request of requests) {
        expect(pairs(decoder.decode(hex(request[coding])))).toEqual(request.fields);
        expect(pairs(decoder.entries())).toEqual(request.table);
        expect(decoder.tableSize).toBe(request.size);
      }
    },
  );

  test.each(["raw", "huffman"] as const)(
    "decodes the responses of C.5/C.6 (%s), evicting from a 256-octet table",
    (coding) => {
      const decoder = createHpackDecoder();
      responses.forEach((response, i) => {
        const block = (i === 0 ? tableSize256 : "") + response[coding];
        expect(pairs(decoder.decode(hex(block)))).toEqual(response.fields);
        expect(pairs(decoder.entries())).toEqual(response.table);
        expect(decoder.tableSize).toBe(response.size);
      });
      expect(decoder.maxTableSize).toBe(256);
    },
  );

  test("evicts down to a smaller size and empties the table at size 0", () => {
    const decoder = createHpackDecoder();
    for (const request of requests) decoder.decode(hex(request.raw));
    decoder.decode(hex("3f 92 01 82")); // size update to 31 + 18 + 128 = 177, then :method GET
    expect(decoder.maxTableSize).toBe(177);
    expect(decoder.tableSize).toBe(164);
    decoder.decode(hex("3e 82")); // size update to 30: every entry goes
    expect(decoder.entries()).toEqual([]);
    expect(decoder.tableSize).toBe(0);
  });

  test("empties the table when an entry larger than the table is added", () => {
    const decoder = createHpackDecoder();
    decoder.decode(hex(requests[0]?.raw ?? ""));
    // Size update to 54, then custom-key: custom-header, which costs 55.
    decoder.decode(hex("3f17 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
    expect(decoder.maxTableSize).toBe(54);
    expect(decoder.entries()).toEqual([]);
  });

  test.each([
    ["index 0", "80", "index 0"],
    ["an index beyond the table", "be", "not in the table"],
    ["a size update after a field", "82 3e", "after a field"],
    ["a size update above the limit (65537)", "3fe2 ff03", "exceeds"],
    ["a string longer than the block", "400a 6375", "longer than the header block"],
    ["a truncated literal", "40", "truncated"],
  ])("rejects %s", (_name, block, message) => {
    expect(() => createHpackDecoder().decode(hex(block))).toThrow(message);
  });

  test("rejects a header list beyond maxHeaderListSize", () => {
    const decoder = createHpackDecoder({ maxHeaderListSize: 100 });
    decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
    expect(() => decoder.decode(hex("bebe"))).toThrow(HpackError);
  });
});
