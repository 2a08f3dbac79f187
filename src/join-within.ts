/**
 * Most bytes of a status message. The driver hands the message to the pod's events and the
 * kubelet's gRPC client drops answers whose trailers are too large (a 2.1 MB message came back
 * as UNAVAILABLE and was retried three times), so a message listing problems stops at a few KiB.
 */
export const maxMessageBytes = 4096;

/** Options of {@link joinWithin}. */
export interface JoinWithinOptions {
  /** Separator between items. @default "\n" */
  separator?: string;
  /** Most bytes of the result, the tail included. @default maxMessageBytes */
  maxBytes?: number;
  /** Most items listed, whatever their size. @default Infinity */
  maxItems?: number;
  /** Items longer than this are cut with "…". @default 1024 */
  maxItemBytes?: number;
  /** The last item when some were left out, e.g. `… and 12 more objects`. */
  more: (omitted: number) => string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Joins the first items that fit the bounds, then one item saying how many were left out, so a
 * message about 10,000 objects is as short as one about 20.
 */
export function joinWithin(items: readonly string[], options: JoinWithinOptions): string {
  const separator = options.separator ?? "\n";
  const maxBytes = options.maxBytes ?? maxMessageBytes;
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const maxItemBytes = options.maxItemBytes ?? 1024;
  const kept: string[] = [];
  // Byte length of the kept items joined, and the longest prefix that still leaves room for a tail.
  let bytes = 0;
  let withRoomForTail = 0;
  for (const item of items) {
    if (kept.length >= maxItems) break;
    const cut = cutToBytes(item, maxItemBytes);
    bytes += encoder.encode(cut).length + (kept.length > 0 ? separator.length : 0);
    if (bytes > maxBytes) break;
    kept.push(cut);
    const tail = encoder.encode(options.more(items.length - kept.length)).length;
    if (bytes + separator.length + tail <= maxBytes) withRoomForTail = kept.length;
  }
  if (kept.length === items.length) return kept.join(separator);
  const listed = kept.slice(0, withRoomForTail);
  listed.push(options.more(items.length - listed.length));
  return listed.join(separator);
}

/** `text` cut to at most `maxBytes` of UTF-8, ending in "…" when cut, never inside a character. */
function cutToBytes(text: string, maxBytes: number): string {
  // Every UTF-16 unit is at least one byte, so no more than `maxBytes` units can fit.
  const bytes = encoder.encode(text.length > maxBytes ? text.slice(0, maxBytes + 1) : text);
  if (bytes.length <= maxBytes && text.length <= maxBytes) return text;
  const kept = decoder.decode(bytes.subarray(0, Math.max(0, maxBytes - 3)));
  // A character cut in two decodes as U+FFFD: drop it.
  return `${kept.replace(/\uFFFD$/, "")}…`;
}
