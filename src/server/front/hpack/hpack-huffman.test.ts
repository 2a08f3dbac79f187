import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { HpackError } from "./hpack-error.ts";
import { decodeHuffman, encodeHuffman, huffmanCodes, toHuffmanLength } from "./hpack-huffman.ts";

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Strings and their Huffman coding from RFC 7541 Appendix C.4 and C.6. */
const rfcExamples: [string, string][] = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-key", "25a8 49e9 5ba9 7d7f"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["307", "640e ff"],
  ["private", "aec3 771a 4b"],
  ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
  ["gzip", "9bd9 ab"],
  [
    "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
  ],
];

describe("huffmanCodes", () => {
  test.each([
    [0, 0x1ff8],
    [1, 0x7fffd8],
    [10, 0x3ffffffc],
    [32, 0x14],
    [48, 0x0],
    [92, 0x7fff0],
    [97, 0x3],
    [127, 0xffffffc],
    [200, 0x3ffffe2],
    [255, 0x3ffffee],
    [256, 0x3fffffff],
  ])("derives the Appendix B code of symbol %p as %p", (symbol, code) => {
    expect(huffmanCodes[symbol]).toBe(code);
  });
});

describe("encodeHuffman()", () => {
  test.each(rfcExamples)("codes %p as in RFC 7541 Appendix C", (text, coded) => {
    expect(toHex(encodeHuffman(text))).toBe(toHex(hex(coded)));
    expect(toHuffmanLength(text)).toBe(hex(coded).length);
  });
});

describe("decodeHuffman()", () => {
  test.each(rfcExamples)("decodes %p from RFC 7541 Appendix C", (text, coded) => {
    expect(decodeHuffman(hex(coded))).toBe(text);
  });

  test("decodes the empty string", () => {
    expect(decodeHuffman(new Uint8Array(0))).toBe("");
  });

  test("rejects padding that is not a prefix of EOS", () => {
    // "a" is 00011, padded with 000 instead of 111.
    expect(() => decodeHuffman(Uint8Array.of(0x18))).toThrow(HpackError);
  });

  test("rejects padding longer than 7 bits", () => {
    expect(() => decodeHuffman(Uint8Array.of(0x1f, 0xff))).toThrow("longer than 7 bits");
  });

  test("rejects an EOS symbol inside the string", () => {
    expect(() => decodeHuffman(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow("EOS");
  });

  test("round-trips every octet string", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (octets) => {
        const text = Buffer.from(octets).toString("latin1");
        expect(decodeHuffman(encodeHuffman(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
