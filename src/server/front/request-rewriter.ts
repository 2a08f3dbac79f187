import { createHpackDecoder, type HpackDecoderOptions } from "./hpack/hpack-decoder.ts";
import { encodeHeaderBlock } from "./hpack/hpack-encoder.ts";
import { HpackError } from "./hpack/hpack-error.ts";
import type { HeaderField } from "./hpack/hpack-static-table.ts";
import {
  clientPreface,
  FrameFlag,
  type FrameHeader,
  FrameType,
  frameHeaderSize,
  readFrameHeader,
  toHeaderFrames,
} from "./http2-frames.ts";

/** HTTP/2 error codes of {@link Http2ConnectionError}, by name (RFC 9113 §7). */
export const http2ErrorCodes = {
  PROTOCOL_ERROR: 0x1,
  FRAME_SIZE_ERROR: 0x6,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

/** The name of an HTTP/2 error code a client's breach leads to. */
export type Http2ConnectionErrorCode = keyof typeof http2ErrorCodes;

/**
 * A client broke the HTTP/2 rules in a way that makes the byte stream impossible to forward
 * (RFC 9113 §5.4.1 connection error); `code` is the HTTP/2 error code name, for the log.
 */
export class Http2ConnectionError extends Error {
  override name = "Http2ConnectionError";
  constructor(
    message: string,
    readonly code: Http2ConnectionErrorCode,
  ) {
    super(message);
  }
}

/** Options of {@link createRequestRewriter}. */
export interface RequestRewriterOptions {
  /** Maps the decoded fields of every client header block (request headers and trailers). */
  rewrite(fields: HeaderField[], streamId: number): HeaderField[];
  /**
   * Largest header block (all fragments, as received) accepted before the connection is closed.
   * @default 262144
   */
  maxHeaderBlockSize?: number;
  /**
   * Most frames of one header block (HEADERS plus CONTINUATION), so that empty CONTINUATION
   * frames cannot pile up.
   * @default 16
   */
  maxHeaderBlockFrames?: number;
  /** Limits of the HPACK decoder that mirrors the client's encoder. */
  decoder?: HpackDecoderOptions;
  /**
   * Decides on the connection's first header block whether the whole connection, that block
   * included, may pass through untouched; from then on no frame is parsed. Sound because nothing
   * was changed before the decision, so the server's HPACK state is the client's. A client sends
   * one authority per connection, so one that starts servable stays servable.
   * @default never: every block is re-encoded
   */
  passThroughWhen?: (fields: readonly HeaderField[]) => boolean;
}

/** The client-to-server half of one HTTP/2 connection, rewritten on the fly. */
export interface RequestRewriter {
  /**
   * Consumes the next bytes from the client and returns the bytes to send to the server, in order.
   * DATA and every other frame pass through as they arrive, never buffered whole; header blocks
   * are held until END_HEADERS, then decoded, rewritten and re-encoded.
   * @throws Http2ConnectionError when the client broke the protocol; the connection must be closed
   */
  write(chunk: Uint8Array): Uint8Array[];
}

/** A header block whose HEADERS frame has arrived but not yet its END_HEADERS. */
interface OpenBlock {
  streamId: number;
  isEndStream: boolean;
  priority: Uint8Array | null;
  fragments: Uint8Array[];
  size: number;
  frames: number;
  /** The block's frames as received (headers and payloads), kept only until the first decision. */
  received: Uint8Array[];
}

/**
 * Creates the rewriter of one connection. Every client header block is re-encoded, not just the
 * ones that change, which keeps both HPACK contexts of the client-to-server direction consistent:
 * - the client's encoder is mirrored by a full decoder that sees every block, in order, and follows
 *   the client's dynamic table size updates (bounded by `decoder.maxTableSizeLimit`, which only has
 *   to be at least the server's SETTINGS_HEADER_TABLE_SIZE that the client obeys);
 * - the server's decoder gets blocks that start with a size update to 0 and never index
 *   (`encodeHeaderBlock`), so its table is empty after every block whatever the client did, and
 *   the update satisfies any SETTINGS_HEADER_TABLE_SIZE the server may announce or lower;
 * - re-encoded blocks go out in frames of at most 16384 octets, which every server accepts.
 * The other direction is not touched: the server's encoder and the client's decoder, and the
 * SETTINGS that govern them, see exactly the bytes they would see without the front.
 */
export function createRequestRewriter(options: RequestRewriterOptions): RequestRewriter {
  const maxHeaderBlockSize = options.maxHeaderBlockSize ?? 262144;
  const maxHeaderBlockFrames = options.maxHeaderBlockFrames ?? 16;
  const decoder = createHpackDecoder(options.decoder);
  let prefaceSeen = 0;
  const headerBytes = new Uint8Array(frameHeaderSize);
  let headerFilled = 0;
  let frame: FrameHeader | null = null;
  let remaining = 0;
  // Set while the current frame is a header-block frame: its payload is collected, not forwarded.
  let payload: Uint8Array | null = null;
  let payloadFilled = 0;
  let block: OpenBlock | null = null;
  // "first" until the first header block is decoded, then "pass" (raw pipe) or "rewrite".
  let mode: "first" | "pass" | "rewrite" = options.passThroughWhen ? "first" : "rewrite";
  let payloadHeader: Uint8Array | null = null;
  // A function, so the checks inside write() see the change finishFrame() makes.
  const isPassing = () => mode === "pass";

  const startFrame = (header: FrameHeader, output: Uint8Array[]) => {
    if (block && (header.type !== FrameType.Continuation || header.streamId !== block.streamId))
      throw protocolError("a header block was interrupted by another frame (RFC 9113 §6.10)");
    switch (header.type) {
      case FrameType.Headers:
      case FrameType.Continuation:
        if (header.streamId === 0) throw protocolError("header block on stream 0");
        if (header.type === FrameType.Continuation && !block)
          throw protocolError("CONTINUATION without a preceding HEADERS frame");
        if (header.length + (block?.size ?? 0) > maxHeaderBlockSize)
          throw new Http2ConnectionError(
            `header block larger than ${maxHeaderBlockSize} octets`,
            "ENHANCE_YOUR_CALM",
          );
        if ((block?.frames ?? 0) >= maxHeaderBlockFrames)
          throw new Http2ConnectionError(
            `header block of more than ${maxHeaderBlockFrames} frames`,
            "ENHANCE_YOUR_CALM",
          );
        payload = new Uint8Array(header.length);
        payloadFilled = 0;
        payloadHeader = mode === "first" ? headerBytes.slice() : null;
        return;
      case FrameType.PushPromise:
        throw protocolError("PUSH_PROMISE from a client (RFC 9113 §8.4)");
      default:
        output.push(headerBytes.slice());
    }
  };

  const finishFrame = (header: FrameHeader, output: Uint8Array[]) => {
    const bytes = payload;
    payload = null;
    if (!bytes) return;
    if (header.type === FrameType.Headers) {
      block = openBlock(header, bytes);
    } else if (block) {
      block.fragments.push(bytes);
      block.size += bytes.length;
      block.frames += 1;
    }
    if (block && payloadHeader) block.received.push(payloadHeader, bytes);
    if (block && header.flags & FrameFlag.EndHeaders) {
      output.push(closeBlock(block));
      block = null;
    }
  };

  const closeBlock = (open: OpenBlock): Uint8Array => {
    const received = open.fragments.length === 1 ? open.fragments[0] : concat(open.fragments);
    let fields: HeaderField[];
    try {
      fields = decoder.decode(received ?? new Uint8Array(0));
    } catch (error) {
      if (error instanceof HpackError)
        throw new Http2ConnectionError(
          `bad header block: ${error.message}`,
          error.isLimitExceeded ? "ENHANCE_YOUR_CALM" : "COMPRESSION_ERROR",
        );
      throw error;
    }
    if (mode === "first") {
      mode = options.passThroughWhen?.(fields) ? "pass" : "rewrite";
      if (mode === "pass") return concat(open.received);
    }
    const encoded = encodeHeaderBlock(options.rewrite(fields, open.streamId));
    return toHeaderFrames(encoded, {
      streamId: open.streamId,
      isEndStream: open.isEndStream,
      priority: open.priority,
    });
  };

  return {
    write(chunk) {
      if (isPassing()) return [chunk];
      const output: Uint8Array[] = [];
      let offset = 0;
      while (offset < chunk.length) {
        if (prefaceSeen < clientPreface.length) {
          const take = Math.min(clientPreface.length - prefaceSeen, chunk.length - offset);
          for (let i = 0; i < take; i++) {
            if (chunk[offset + i] !== clientPreface[prefaceSeen + i])
              throw protocolError("not an HTTP/2 client connection preface");
          }
          output.push(chunk.subarray(offset, offset + take));
          prefaceSeen += take;
          offset += take;
          continue;
        }
        if (!frame) {
          const take = Math.min(frameHeaderSize - headerFilled, chunk.length - offset);
          headerBytes.set(chunk.subarray(offset, offset + take), headerFilled);
          headerFilled += take;
          offset += take;
          if (headerFilled < frameHeaderSize) continue;
          headerFilled = 0;
          frame = readFrameHeader(headerBytes);
          remaining = frame.length;
          startFrame(frame, output);
        } else {
          const take = Math.min(remaining, chunk.length - offset);
          const piece = chunk.subarray(offset, offset + take);
          if (payload) {
            payload.set(piece, payloadFilled);
            payloadFilled += take;
          } else {
            output.push(piece);
          }
          offset += take;
          remaining -= take;
        }
        if (frame && remaining === 0) {
          finishFrame(frame, output);
          frame = null;
          if (isPassing()) {
            if (offset < chunk.length) output.push(chunk.subarray(offset));
            break;
          }
        }
      }
      return output;
    },
  };
}

/** Parses a HEADERS payload: drops padding, keeps the priority fields (RFC 9113 §6.2). */
function openBlock(header: FrameHeader, payload: Uint8Array): OpenBlock {
  let start = 0;
  let end = payload.length;
  let padding = 0;
  if (header.flags & FrameFlag.Padded) {
    if (end < 1) throw protocolError("PADDED HEADERS frame without a pad length");
    padding = payload[0] ?? 0;
    start = 1;
  }
  let priority: Uint8Array | null = null;
  if (header.flags & FrameFlag.Priority) {
    if (end - start < 5) throw protocolError("PRIORITY HEADERS frame too short");
    priority = payload.slice(start, start + 5);
    start += 5;
  }
  if (padding > end - start) throw protocolError("HEADERS padding exceeds the frame payload");
  end -= padding;
  const fragment = payload.subarray(start, end);
  return {
    streamId: header.streamId,
    isEndStream: (header.flags & FrameFlag.EndStream) !== 0,
    priority,
    fragments: [fragment],
    size: fragment.length,
    frames: 1,
    received: [],
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

function protocolError(message: string): Http2ConnectionError {
  return new Http2ConnectionError(message, "PROTOCOL_ERROR");
}
