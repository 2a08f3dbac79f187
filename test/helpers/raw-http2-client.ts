import { createConnection, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { type MountRequest, MountRequestSchema } from "../../gen/v1alpha1/service_pb.ts";
import { createHpackDecoder } from "../../src/server/front/hpack/hpack-decoder.ts";
import { encodeHeaderBlock } from "../../src/server/front/hpack/hpack-encoder.ts";
import type { HeaderField } from "../../src/server/front/hpack/hpack-static-table.ts";
import {
  clientPreface,
  FrameFlag,
  type FrameHeader,
  FrameType,
  frameHeaderSize,
  readFrameHeader,
  writeFrameHeader,
} from "../../src/server/front/http2-frames.ts";

/** HTTP/2 error codes by name (RFC 9113 §7), for assertions. */
export const Http2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** SETTINGS identifiers (RFC 9113 §6.5.2). */
export const SettingId = {
  HeaderTableSize: 0x1,
  EnablePush: 0x2,
  MaxConcurrentStreams: 0x3,
  InitialWindowSize: 0x4,
  MaxFrameSize: 0x5,
  MaxHeaderListSize: 0x6,
} as const;

/** One frame as received from the server. */
export interface ReceivedFrame {
  header: FrameHeader;
  payload: Uint8Array;
}

/** What the server said on one stream. */
export interface StreamAnswer {
  /** Decoded header blocks (response headers, then trailers). */
  headers: Record<string, string>[];
  dataBytes: number;
  /** RST_STREAM error code, when the server reset the stream. */
  resetCode?: number;
  isEnded: boolean;
}

/** Options of {@link connectRawHttp2}. */
export interface RawHttp2Options {
  /** SETTINGS sent after the preface, as [id, value] pairs. @default [] */
  settings?: [number, number][];
  /**
   * Read and parse what the server sends. `false` never reads the socket (a client that does not
   * read: the kernel buffers fill and the server's writes back up). @default true
   */
  isReading?: boolean;
  /** Acknowledge the server's SETTINGS (a conforming client does). @default true */
  isAckingSettings?: boolean;
  /** Send the preface and SETTINGS on connect. @default true */
  sendsPreface?: boolean;
  /** Return flow-control credit for every DATA frame read, as a conforming client does. @default false */
  isGrantingWindow?: boolean;
}

/**
 * A hand-driven HTTP/2 client over a unix socket that writes raw frames, so tests can break the
 * protocol the way a hostile or broken client would, and records what the server answered.
 */
export interface RawHttp2Client {
  socket: Socket;
  /** Frames received so far, in order (only while reading). */
  frames: ReceivedFrame[];
  /** Per stream: decoded headers, data bytes, reset code. */
  streams: Map<number, StreamAnswer>;
  /** The server's SETTINGS values (the latest frame wins per id). */
  serverSettings: Map<number, number>;
  /** GOAWAY error code, once one arrived. */
  goAwayCode(): number | undefined;
  /** Resolves when the socket closed (either side); `byPeer` is false when we destroyed it. */
  closed: Promise<{ byPeer: boolean; atMs: number }>;
  isClosed(): boolean;
  /** Writes bytes; false once the socket buffers them (the peer stopped reading). */
  write(bytes: Uint8Array): boolean;
  /** One frame; `header.length` is ignored (the payload's length is used). */
  frame(header: FrameHeader, payload?: Uint8Array): Uint8Array;
  /** A request HEADERS frame (one block, END_HEADERS unless `isEndHeaders` is false). */
  headersFrame(
    streamId: number,
    fields: HeaderField[] | Uint8Array,
    options?: { isEndStream?: boolean; isEndHeaders?: boolean },
  ): Uint8Array;
  /** Sends a whole Mount call (HEADERS, then the request in one DATA frame with END_STREAM). */
  startMount(streamId: number, request: MountRequest, options?: { authority?: string }): void;
  /** Resolves once `predicate` holds over what was received, or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Destroys the socket. */
  destroy(): void;
}

/** The gRPC request headers grpc-go sends for a Mount, with `authority` as :authority. */
export function mountRequestFields(authority = "localhost"): HeaderField[] {
  const field = (name: string, value: string) => ({ name, value, neverIndexed: false });
  return [
    field(":method", "POST"),
    field(":scheme", "http"),
    field(":path", "/v1alpha1.CSIDriverProvider/Mount"),
    field(":authority", authority),
    field("content-type", "application/grpc"),
    field("user-agent", "grpc-go/1.58.3"),
    field("te", "trailers"),
    field("grpc-timeout", "20S"),
  ];
}

/** A gRPC length-prefixed message (uncompressed). */
export function toGrpcMessage(request: MountRequest): Uint8Array {
  const body = toBinary(MountRequestSchema, request);
  const message = new Uint8Array(5 + body.length);
  new DataView(message.buffer).setUint32(1, body.length);
  message.set(body, 5);
  return message;
}

/** A MountRequest that fails fast (no attributes), for load that needs no fakes. */
export function emptyMountRequest(): MountRequest {
  return create(MountRequestSchema, { attributes: "{}", secrets: "null", permission: "420" });
}

/** Serialises one frame. */
export function toFrame(
  header: Omit<FrameHeader, "length">,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const bytes = new Uint8Array(frameHeaderSize + payload.length);
  writeFrameHeader(bytes, 0, { ...header, length: payload.length });
  bytes.set(payload, frameHeaderSize);
  return bytes;
}

/** SETTINGS payload of [id, value] pairs. */
export function toSettingsPayload(settings: readonly [number, number][]): Uint8Array {
  const payload = new Uint8Array(settings.length * 6);
  const view = new DataView(payload.buffer);
  settings.forEach(([id, value], i) => {
    view.setUint16(i * 6, id);
    view.setUint32(i * 6 + 2, value);
  });
  return payload;
}

/**
 * Connects to `socketPath`, sends the preface and SETTINGS (unless told not to) and, while
 * reading, acknowledges the server's SETTINGS and decodes its header blocks.
 */
export async function connectRawHttp2(
  socketPath: string,
  options: RawHttp2Options = {},
): Promise<RawHttp2Client> {
  const isReading = options.isReading ?? true;
  const socket = createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  const started = performance.now();
  let closedAt: number | undefined;
  let destroyedByUs = false;
  const closed = new Promise<{ byPeer: boolean; atMs: number }>((resolve) =>
    socket.once("close", () => {
      closedAt = performance.now() - started;
      resolve({ byPeer: !destroyedByUs, atMs: closedAt });
    }),
  );
  const frames: ReceivedFrame[] = [];
  const streams = new Map<number, StreamAnswer>();
  const serverSettings = new Map<number, number>();
  let goAway: number | undefined;
  const decoder = createHpackDecoder({ maxHeaderListSize: 1 << 24 });
  let pending = new Uint8Array(0);
  let block: { streamId: number; parts: Uint8Array[]; isEndStream: boolean } | undefined;
  const streamOf = (id: number) => {
    let answer = streams.get(id);
    if (!answer) {
      answer = { headers: [], dataBytes: 0, isEnded: false };
      streams.set(id, answer);
    }
    return answer;
  };
  const write = (bytes: Uint8Array) => (socket.destroyed ? false : socket.write(bytes));

  const onFrame = (header: FrameHeader, payload: Uint8Array) => {
    frames.push({ header, payload });
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    switch (header.type) {
      case FrameType.Settings:
        if (header.flags & FrameFlag.Ack) return;
        for (let at = 0; at + 6 <= payload.length; at += 6)
          serverSettings.set(view.getUint16(at), view.getUint32(at + 2));
        if (options.isAckingSettings ?? true)
          write(toFrame({ type: FrameType.Settings, flags: FrameFlag.Ack, streamId: 0 }));
        return;
      case FrameType.GoAway:
        goAway = view.getUint32(4);
        return;
      case FrameType.RstStream:
        streamOf(header.streamId).resetCode = view.getUint32(0);
        streamOf(header.streamId).isEnded = true;
        return;
      case FrameType.Data:
        if (options.isGrantingWindow && payload.length > 0) {
          const increment = new Uint8Array(4);
          new DataView(increment.buffer).setUint32(0, payload.length);
          write(toFrame({ type: FrameType.WindowUpdate, flags: 0, streamId: 0 }, increment));
          write(
            toFrame(
              { type: FrameType.WindowUpdate, flags: 0, streamId: header.streamId },
              increment,
            ),
          );
        }
        streamOf(header.streamId).dataBytes += payload.length;
        if (header.flags & FrameFlag.EndStream) streamOf(header.streamId).isEnded = true;
        return;
      case FrameType.Headers:
      case FrameType.Continuation: {
        let fragment = payload;
        if (header.type === FrameType.Headers) {
          let start = 0;
          let end = payload.length;
          if (header.flags & FrameFlag.Padded) {
            start = 1;
            end -= payload[0] ?? 0;
          }
          if (header.flags & FrameFlag.Priority) start += 5;
          fragment = payload.subarray(start, end);
          block = {
            streamId: header.streamId,
            parts: [],
            isEndStream: (header.flags & FrameFlag.EndStream) !== 0,
          };
        }
        block?.parts.push(fragment);
        if (block && header.flags & FrameFlag.EndHeaders) {
          const joined = Buffer.concat(block.parts);
          const fields = decoder.decode(joined);
          const answer = streamOf(block.streamId);
          answer.headers.push(Object.fromEntries(fields.map((f) => [f.name, f.value])));
          if (block.isEndStream) answer.isEnded = true;
          block = undefined;
        }
        return;
      }
    }
  };

  if (isReading) {
    socket.on("data", (chunk: Buffer) => {
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      let at = 0;
      while (joined.length - at >= frameHeaderSize) {
        const header = readFrameHeader(joined, at);
        if (joined.length - at < frameHeaderSize + header.length) break;
        onFrame(header, joined.slice(at + frameHeaderSize, at + frameHeaderSize + header.length));
        at += frameHeaderSize + header.length;
      }
      pending = joined.slice(at);
    });
  } else {
    socket.pause();
  }

  const frame = (header: FrameHeader, payload: Uint8Array = new Uint8Array(0)) =>
    toFrame(header, payload);
  const headersFrame: RawHttp2Client["headersFrame"] = (streamId, fields, frameOptions = {}) => {
    const block = fields instanceof Uint8Array ? fields : encodeHeaderBlock(fields);
    let flags = (frameOptions.isEndHeaders ?? true) ? FrameFlag.EndHeaders : 0;
    if (frameOptions.isEndStream) flags |= FrameFlag.EndStream;
    return frame({ length: block.length, type: FrameType.Headers, flags, streamId }, block);
  };

  if (options.sendsPreface ?? true) {
    write(clientPreface);
    const settings = toSettingsPayload(options.settings ?? []);
    write(
      frame({ length: settings.length, type: FrameType.Settings, flags: 0, streamId: 0 }, settings),
    );
  }

  return {
    socket,
    frames,
    streams,
    serverSettings,
    goAwayCode: () => goAway,
    closed,
    isClosed: () => closedAt !== undefined,
    write,
    frame,
    headersFrame,
    startMount(streamId, request, mountOptions = {}) {
      write(headersFrame(streamId, mountRequestFields(mountOptions.authority)));
      const message = toGrpcMessage(request);
      write(
        frame(
          { length: message.length, type: FrameType.Data, flags: FrameFlag.EndStream, streamId },
          message,
        ),
      );
    },
    async until(predicate, timeoutMs, what) {
      const deadline = performance.now() + timeoutMs;
      while (!predicate()) {
        if (performance.now() > deadline)
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await Bun.sleep(5);
      }
    },
    destroy() {
      destroyedByUs = true;
      socket.destroy();
    },
  };
}
