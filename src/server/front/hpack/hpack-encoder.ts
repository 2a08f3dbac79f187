import { type HeaderField, staticFieldIndex, staticNameIndex } from "./hpack-static-table.ts";

/**
 * Encodes a header block that never touches the receiver's dynamic table: it starts with a
 * dynamic table size update to 0 (RFC 7541 §6.3) and then uses only static-table references and
 * literals without indexing, or never indexed where the field asks for it (§6.2.3).
 *
 * Why: the receiver's table is then provably empty after every block, whatever came before, so a
 * rewriting intermediary stays consistent with the receiver no matter how the original sender used
 * its own table; and a size update to 0 is valid under any SETTINGS_HEADER_TABLE_SIZE, including
 * one the receiver just lowered and expects to see acknowledged by an update (§4.2).
 */
export function encodeHeaderBlock(fields: readonly HeaderField[]): Uint8Array {
  const parts: number[] = [];
  writeInteger(parts, 0x20, 5, 0);
  for (const field of fields) {
    const exact = staticFieldIndex.get(`${field.name}\0${field.value}`);
    if (exact !== undefined && !field.neverIndexed) {
      writeInteger(parts, 0x80, 7, exact);
      continue;
    }
    const nameIndex = staticNameIndex.get(field.name) ?? 0;
    writeInteger(parts, field.neverIndexed ? 0x10 : 0x00, 4, nameIndex);
    if (nameIndex === 0) writeString(parts, field.name);
    writeString(parts, field.value);
  }
  return Uint8Array.from(parts);
}

/** Appends an integer with an N-bit prefix (RFC 7541 §5.1); `pattern` holds the prefix's flag bits. */
export function writeInteger(
  output: number[],
  pattern: number,
  prefixBits: number,
  value: number,
): void {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    output.push(pattern | value);
    return;
  }
  output.push(pattern | mask);
  let rest = value - mask;
  while (rest >= 128) {
    output.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  output.push(rest);
}

/**
 * Appends a string literal (RFC 7541 §5.2), never Huffman-coded: the blocks travel over a local
 * socket where octets cost nothing, while Huffman coding was a fifth of the provider's CPU time in
 * a burst of mounts (Huffman is optional for an encoder; decoders must accept both).
 */
export function writeString(output: number[], text: string): void {
  writeInteger(output, 0x00, 7, text.length);
  for (let i = 0; i < text.length; i++) output.push(text.charCodeAt(i) & 0xff);
}
