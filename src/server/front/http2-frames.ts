/** The client connection preface (RFC 9113 §3.4), sent before the first frame. */
export const clientPreface: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);

/** Octets of a frame header (RFC 9113 §4.1). */
export const frameHeaderSize = 9;

/**
 * The smallest SETTINGS_MAX_FRAME_SIZE a peer may announce (RFC 9113 §6.5.2): frames no larger
 * than this are acceptable to every receiver without knowing its settings.
 */
export const minMaxFrameSize = 16384;

/** Frame types this module needs by name (RFC 9113 §6). */
export const FrameType = {
  Data: 0x0,
  Headers: 0x1,
  Priority: 0x2,
  RstStream: 0x3,
  Settings: 0x4,
  PushPromise: 0x5,
  Ping: 0x6,
  GoAway: 0x7,
  WindowUpdate: 0x8,
  Continuation: 0x9,
} as const;

/** Frame flags (RFC 9113 §6.1, §6.2, §6.10). */
export const FrameFlag = {
  EndStream: 0x1,
  Ack: 0x1,
  EndHeaders: 0x4,
  Padded: 0x8,
  Priority: 0x20,
} as const;

/** A decoded frame header. */
export interface FrameHeader {
  /** Payload length in octets (24 bits). */
  length: number;
  type: number;
  flags: number;
  /** Stream identifier with the reserved bit cleared. */
  streamId: number;
}

/** Reads the 9-octet frame header at `offset`. */
export function readFrameHeader(bytes: Uint8Array, offset = 0): FrameHeader {
  const at = (i: number) => bytes[offset + i] ?? 0;
  return {
    length: (at(0) << 16) | (at(1) << 8) | at(2),
    type: at(3),
    flags: at(4),
    streamId: ((at(5) & 0x7f) << 24) | (at(6) << 16) | (at(7) << 8) | at(8),
  };
}

/** Writes a 9-octet frame header into `target` at `offset`. */
export function writeFrameHeader(target: Uint8Array, offset: number, header: FrameHeader): void {
  target[offset] = (header.length >> 16) & 0xff;
  target[offset + 1] = (header.length >> 8) & 0xff;
  target[offset + 2] = header.length & 0xff;
  target[offset + 3] = header.type;
  target[offset + 4] = header.flags;
  target[offset + 5] = (header.streamId >>> 24) & 0x7f;
  target[offset + 6] = (header.streamId >> 16) & 0xff;
  target[offset + 7] = (header.streamId >> 8) & 0xff;
  target[offset + 8] = header.streamId & 0xff;
}

/** What {@link toHeaderFrames} needs besides the header block. */
export interface HeaderFramesOptions {
  streamId: number;
  isEndStream: boolean;
  /** The 5 priority octets of the original HEADERS frame (dependency + weight), if it had them. */
  priority: Uint8Array | null;
  /** @default 16384, the size every receiver accepts */
  maxFrameSize?: number;
}

/**
 * Serialises a complete header block as one HEADERS frame plus as many CONTINUATION frames as
 * needed (RFC 9113 §6.2, §6.10), unpadded, END_HEADERS on the last one.
 */
export function toHeaderFrames(block: Uint8Array, options: HeaderFramesOptions): Uint8Array {
  const maxFrameSize = options.maxFrameSize ?? minMaxFrameSize;
  const priorityLength = options.priority ? options.priority.length : 0;
  const firstCapacity = maxFrameSize - priorityLength;
  const continuations = Math.max(0, Math.ceil((block.length - firstCapacity) / maxFrameSize));
  const frameCount = 1 + continuations;
  const output = new Uint8Array(frameCount * frameHeaderSize + priorityLength + block.length);
  let written = 0;
  let consumed = 0;
  for (let frame = 0; frame < frameCount; frame++) {
    const isFirst = frame === 0;
    const isLast = frame === frameCount - 1;
    const room = isFirst ? firstCapacity : maxFrameSize;
    const fragment = block.subarray(consumed, Math.min(block.length, consumed + room));
    let flags = isLast ? FrameFlag.EndHeaders : 0;
    if (isFirst && options.isEndStream) flags |= FrameFlag.EndStream;
    if (isFirst && options.priority) flags |= FrameFlag.Priority;
    writeFrameHeader(output, written, {
      length: fragment.length + (isFirst ? priorityLength : 0),
      type: isFirst ? FrameType.Headers : FrameType.Continuation,
      flags,
      streamId: options.streamId,
    });
    written += frameHeaderSize;
    if (isFirst && options.priority) {
      output.set(options.priority, written);
      written += priorityLength;
    }
    output.set(fragment, written);
    written += fragment.length;
    consumed += fragment.length;
  }
  return output;
}

/** A GOAWAY frame (RFC 9113 §6.8) without debug data. */
export function toGoAwayFrame(lastStreamId: number, errorCode: number): Uint8Array {
  const frame = new Uint8Array(frameHeaderSize + 8);
  writeFrameHeader(frame, 0, { length: 8, type: FrameType.GoAway, flags: 0, streamId: 0 });
  const view = new DataView(frame.buffer);
  view.setUint32(frameHeaderSize, lastStreamId & 0x7fffffff);
  view.setUint32(frameHeaderSize + 4, errorCode);
  return frame;
}
