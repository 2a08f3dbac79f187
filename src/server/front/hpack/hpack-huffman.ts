import { HpackError } from "./hpack-error.ts";

/**
 * Code length in bits of each symbol 0–255 and EOS (256), transcribed from RFC 7541 Appendix B.
 * The Appendix B code is canonical (codes of one length are consecutive, in symbol order, and
 * follow all shorter codes), so the codes themselves are derived below instead of copied; the unit
 * tests check the derived codes against Appendix B values and the Appendix C examples.
 */
const codeLengths: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5,
  6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6,
  7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23,
  23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22,
  22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22,
  23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27,
  27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25,
  24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

/** The EOS symbol: never valid inside a string, its leading bits pad the last octet. */
const eos = 256;

/** Huffman code of each symbol, right-aligned (the bit count is in {@link codeLengths}). */
export const huffmanCodes: readonly number[] = toCanonicalCodes(codeLengths);

/** Assigns canonical codes: ordered by (length, symbol), each the previous plus one, shifted. */
function toCanonicalCodes(lengths: readonly number[]): number[] {
  const symbols = lengths.map((_, symbol) => symbol);
  symbols.sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0) || a - b);
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  let previousLength = lengths[symbols[0] ?? 0] ?? 0;
  symbols.forEach((symbol, rank) => {
    const length = lengths[symbol] ?? 0;
    // Codes reach 30 bits: multiply rather than shift to stay clear of 32-bit sign issues.
    if (rank > 0) code = (code + 1) * 2 ** (length - previousLength);
    previousLength = length;
    codes[symbol] = code;
  });
  return codes;
}

/**
 * The decoding tree as a flat array: node `n` has children at `2n` (bit 0) and `2n + 1` (bit 1).
 * A child value > 0 is an inner node, < 0 is the leaf `-(symbol + 1)`, 0 is "no such code".
 */
const tree: Int32Array = buildTree();

function buildTree(): Int32Array {
  const children = new Int32Array(2 * codeLengths.length);
  let nodes = 1;
  codeLengths.forEach((length, symbol) => {
    const code = huffmanCodes[symbol] ?? 0;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const slot = 2 * node + (Math.floor(code / 2 ** bit) & 1);
      if (bit === 0) {
        children[slot] = -(symbol + 1);
      } else {
        if (children[slot] === 0) children[slot] = nodes++;
        node = children[slot] ?? 0;
      }
    }
  });
  return children;
}

/**
 * Decodes a Huffman-coded string literal (RFC 7541 §5.2) into a latin1 string (one char per octet).
 * @throws HpackError when the input holds EOS, or padding longer than 7 bits or not all ones
 */
export function decodeHuffman(input: Uint8Array): string {
  // The shortest code is 5 bits, so the output has at most 8/5 as many octets as the input.
  const output = new Uint8Array(Math.ceil((input.length * 8) / 5));
  let written = 0;
  let node = 0;
  let pendingBits = 0;
  let pendingAllOnes = true;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      const value = (byte >> bit) & 1;
      const next = tree[2 * node + value] ?? 0;
      pendingBits += 1;
      pendingAllOnes &&= value === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === eos) throw new HpackError("Huffman-coded string contains EOS");
        output[written++] = symbol;
        node = 0;
        pendingBits = 0;
        pendingAllOnes = true;
      } else if (next === 0) {
        throw new HpackError("invalid Huffman code");
      } else {
        node = next;
      }
    }
  }
  if (pendingBits > 7) throw new HpackError("Huffman padding longer than 7 bits");
  if (!pendingAllOnes) throw new HpackError("Huffman padding is not a prefix of EOS");
  return Buffer.from(output.buffer, 0, written).toString("latin1");
}

/** Octets that {@link encodeHuffman} produces for `text` (latin1, one char per octet). */
export function toHuffmanLength(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) bits += codeLengths[text.charCodeAt(i) & 0xff] ?? 0;
  return Math.ceil(bits / 8);
}

/**
 * Huffman-codes `text` (latin1), padding the last octet with the leading bits of EOS (ones). The
 * rewriter sends raw literals (see `writeString`); this half of the codec produces Huffman input
 * for the decoder's tests, as clients send it.
 */
export function encodeHuffman(text: string): Uint8Array {
  const output = new Uint8Array(toHuffmanLength(text));
  let written = 0;
  // At most 7 carried bits plus a 30-bit code: exact in a double, so no 32-bit shifts.
  let pending = 0;
  let pendingBits = 0;
  for (let i = 0; i < text.length; i++) {
    const symbol = text.charCodeAt(i) & 0xff;
    const length = codeLengths[symbol] ?? 0;
    pending = pending * 2 ** length + (huffmanCodes[symbol] ?? 0);
    pendingBits += length;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      const scale = 2 ** pendingBits;
      output[written++] = Math.floor(pending / scale);
      pending %= scale;
    }
  }
  if (pendingBits > 0) output[written] = (pending << (8 - pendingBits)) | (0xff >> pendingBits);
  return output;
}
