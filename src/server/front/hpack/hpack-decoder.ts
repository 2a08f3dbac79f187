import { HpackError } from "./hpack-error.ts";
import { decodeHuffman } from "./hpack-huffman.ts";
import { type HeaderField, staticTable } from "./hpack-static-table.ts";

/** RFC 7541 §4.1: each dynamic table entry costs its name and value octets plus 32. */
const entryOverhead = 32;

/** Options of {@link createHpackDecoder}. */
export interface HpackDecoderOptions {
  /**
   * Largest dynamic table size the encoder may select with a size update (RFC 7541 §6.3). The
   * protocol limit is the receiver's SETTINGS_HEADER_TABLE_SIZE; anything at least that large is
   * safe, and the bound also caps the table's memory.
   * @default 65536
   */
  maxTableSizeLimit?: number;
  /**
   * Largest decoded header list of one block, counted like SETTINGS_MAX_HEADER_LIST_SIZE (name +
   * value + 32 per field). Bounds memory against blocks that reference large entries many times.
   * @default 262144
   */
  maxHeaderListSize?: number;
}

/** An HPACK decoder: the mirror of one peer encoder, fed every header block of a connection. */
export interface HpackDecoder {
  /**
   * Decodes one complete header block (HEADERS plus its CONTINUATION fragments, in order) and
   * applies its dynamic-table changes.
   * @throws HpackError when the block is malformed; the decoder must not be used afterwards
   */
  decode(block: Uint8Array): HeaderField[];
  /** Current dynamic table size in octets (RFC 7541 §4.1). */
  readonly tableSize: number;
  /** Current maximum dynamic table size, as last set by a size update (initially 4096). */
  readonly maxTableSize: number;
  /** Dynamic table entries, newest (index 62) first; for tests and diagnostics. */
  entries(): HeaderField[];
}

/** Creates the decoder of one direction of one connection (RFC 7541 §2.2: state per connection). */
export function createHpackDecoder(options: HpackDecoderOptions = {}): HpackDecoder {
  const maxTableSizeLimit = options.maxTableSizeLimit ?? 65536;
  const maxHeaderListSize = options.maxHeaderListSize ?? 262144;
  // Oldest first, so that eviction (RFC 7541 §4.4) drops from the front.
  const table: HeaderField[] = [];
  let tableSize = 0;
  let maxTableSize = 4096;

  const evictUntil = (limit: number) => {
    while (tableSize > limit) {
      const oldest = table.shift();
      if (!oldest) break;
      tableSize -= oldest.name.length + oldest.value.length + entryOverhead;
    }
  };
  const insert = (field: HeaderField) => {
    const size = field.name.length + field.value.length + entryOverhead;
    // An entry larger than the table empties it and is not added; not an error (§4.4).
    evictUntil(Math.max(0, maxTableSize - size));
    if (size <= maxTableSize) {
      table.push({ name: field.name, value: field.value, neverIndexed: false });
      tableSize += size;
    }
  };
  const lookup = (index: number): HeaderField => {
    if (index === 0) throw new HpackError("header field index 0");
    const fromStatic = staticTable[index - 1];
    if (fromStatic) return { name: fromStatic[0], value: fromStatic[1], neverIndexed: false };
    const entry = table[table.length - 1 - (index - staticTable.length - 1)];
    if (!entry) throw new HpackError(`header field index ${index} is not in the table`);
    return entry;
  };

  return {
    decode(block) {
      const reader = { bytes: block, offset: 0 };
      const fields: HeaderField[] = [];
      let listSize = 0;
      while (reader.offset < block.length) {
        const first = block[reader.offset] ?? 0;
        let field: HeaderField;
        if (first & 0x80) {
          // §6.1 indexed header field.
          const found = lookup(readInteger(reader, 7));
          field = { name: found.name, value: found.value, neverIndexed: false };
        } else if (first & 0x40) {
          // §6.2.1 literal with incremental indexing.
          field = readLiteral(reader, 6, false, lookup);
          insert(field);
        } else if (first & 0x20) {
          // §6.3 dynamic table size update: only before the first field of a block (§4.2).
          if (fields.length > 0) throw new HpackError("dynamic table size update after a field");
          const size = readInteger(reader, 5);
          if (size > maxTableSizeLimit)
            throw new HpackError(`dynamic table size ${size} exceeds ${maxTableSizeLimit}`);
          maxTableSize = size;
          evictUntil(size);
          continue;
        } else {
          // §6.2.2 without indexing (0000) or §6.2.3 never indexed (0001): 4-bit name index.
          field = readLiteral(reader, 4, (first & 0x10) !== 0, lookup);
        }
        listSize += field.name.length + field.value.length + entryOverhead;
        if (listSize > maxHeaderListSize)
          throw new HpackError(`decoded header list exceeds ${maxHeaderListSize} octets`, {
            isLimitExceeded: true,
          });
        fields.push(field);
      }
      return fields;
    },
    get tableSize() {
      return tableSize;
    },
    get maxTableSize() {
      return maxTableSize;
    },
    entries: () => table.toReversed(),
  };
}

interface Reader {
  bytes: Uint8Array;
  offset: number;
}

function readLiteral(
  reader: Reader,
  prefixBits: number,
  neverIndexed: boolean,
  lookup: (index: number) => HeaderField,
): HeaderField {
  const nameIndex = readInteger(reader, prefixBits);
  const name = nameIndex === 0 ? readString(reader) : lookup(nameIndex).name;
  return { name, value: readString(reader), neverIndexed };
}

/** Largest integer accepted: well above any length or index, far below float trouble. */
const maxInteger = 2 ** 32 - 1;

/**
 * Reads an integer with an N-bit prefix (RFC 7541 §5.1) starting at the current octet.
 * @throws HpackError when truncated or larger than 2^32 - 1
 */
export function readInteger(reader: Reader, prefixBits: number): number {
  const mask = (1 << prefixBits) - 1;
  let value = (reader.bytes[reader.offset++] ?? 0) & mask;
  if (value < mask) return value;
  let scale = 1;
  for (;;) {
    if (reader.offset >= reader.bytes.length) throw new HpackError("truncated integer");
    const byte = reader.bytes[reader.offset++] ?? 0;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (value > maxInteger || scale > 2 ** 35) throw new HpackError("integer overflow");
    if ((byte & 0x80) === 0) return value;
  }
}

/** Reads a string literal (RFC 7541 §5.2), Huffman-coded or raw, as latin1. */
function readString(reader: Reader): string {
  if (reader.offset >= reader.bytes.length) throw new HpackError("truncated string");
  const isHuffman = ((reader.bytes[reader.offset] ?? 0) & 0x80) !== 0;
  const length = readInteger(reader, 7);
  const end = reader.offset + length;
  if (end > reader.bytes.length) throw new HpackError("string longer than the header block");
  const octets = reader.bytes.subarray(reader.offset, end);
  reader.offset = end;
  return isHuffman
    ? decodeHuffman(octets)
    : Buffer.from(octets.buffer, octets.byteOffset, octets.length).toString("latin1");
}
