import { type FrameHeader, frameHeaderSize } from "./http2-frames.ts";

/** Options of {@link createFrameScanner}. */
export interface FrameScannerOptions {
  /** Octets before the first frame (the 24-octet client preface). @default 0 */
  prefixLength?: number;
}

/** Follows frame boundaries in one direction of an HTTP/2 connection. */
export interface FrameScanner {
  /**
   * Consumes the next bytes and calls `onFrame` once per frame as soon as its 9-octet header is
   * complete (the payload may still be on its way). Payloads are skipped, never copied.
   */
  scan(chunk: Uint8Array): void;
  /** Whether the bytes so far end inside the prefix, a frame header or a payload. */
  isMidFrame(): boolean;
}

/**
 * Creates a scanner that reads frame headers only, for limits that must hold on connections
 * piped without parsing: its cost is one header read per frame, whatever the payload size.
 * `onFrame` receives the same header object each time; copy what it keeps.
 */
export function createFrameScanner(
  onFrame: (header: Readonly<FrameHeader>) => void,
  options: FrameScannerOptions = {},
): FrameScanner {
  let prefixLeft = options.prefixLength ?? 0;
  const partial = new Uint8Array(frameHeaderSize);
  let partialFilled = 0;
  // Payload octets of the current frame still to skip.
  let payloadLeft = 0;
  const header: FrameHeader = { length: 0, type: 0, flags: 0, streamId: 0 };

  const readHeader = (bytes: Uint8Array, at: number) => {
    header.length = ((bytes[at] ?? 0) << 16) | ((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0);
    header.type = bytes[at + 3] ?? 0;
    header.flags = bytes[at + 4] ?? 0;
    header.streamId =
      (((bytes[at + 5] ?? 0) & 0x7f) << 24) |
      ((bytes[at + 6] ?? 0) << 16) |
      ((bytes[at + 7] ?? 0) << 8) |
      (bytes[at + 8] ?? 0);
    payloadLeft = header.length;
    onFrame(header);
  };

  return {
    scan(chunk) {
      let at = 0;
      const end = chunk.length;
      if (prefixLeft > 0) {
        const take = Math.min(prefixLeft, end);
        prefixLeft -= take;
        at = take;
      }
      while (at < end) {
        if (payloadLeft > 0) {
          const take = Math.min(payloadLeft, end - at);
          payloadLeft -= take;
          at += take;
          continue;
        }
        if (partialFilled === 0 && end - at >= frameHeaderSize) {
          const start = at;
          at += frameHeaderSize;
          readHeader(chunk, start);
          continue;
        }
        const take = Math.min(frameHeaderSize - partialFilled, end - at);
        partial.set(chunk.subarray(at, at + take), partialFilled);
        partialFilled += take;
        at += take;
        if (partialFilled === frameHeaderSize) {
          partialFilled = 0;
          readHeader(partial, 0);
        }
      }
    },
    isMidFrame: () => prefixLeft > 0 || partialFilled > 0 || payloadLeft > 0,
  };
}
