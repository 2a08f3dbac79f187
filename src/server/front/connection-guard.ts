import type { FrontLimits } from "./front-limits.ts";
import { FrameFlag, type FrameHeader, FrameType } from "./http2-frames.ts";

/** HTTP/2 error codes the guard closes connections with (RFC 9113 §7). */
export const GuardCode = {
  /** A timeout: the client may simply have gone away; grpc-go retries unprocessed calls. */
  NoError: 0x0,
  /** A limit was breached. */
  EnhanceYourCalm: 0xb,
} as const;

/** Why a connection must be closed. */
export interface GuardVerdict {
  /** HTTP/2 error code for the GOAWAY. */
  code: number;
  /** For the log, e.g. `header block of more than 16 frames`. */
  reason: string;
}

/** What the guard cannot see in the frames: the socket's side of the connection. */
export interface GuardSocketState {
  /** Whether the client's bytes so far end inside a frame (or the preface). */
  isClientMidFrame: boolean;
  /** Octets written toward the client and not yet taken by its socket. */
  bufferedOutput: number;
}

/**
 * The limits of one connection, fed with the frame headers of both directions (never payloads).
 * Breaches found in a frame are returned at once; timeouts by {@link ConnectionGuard.check}.
 */
export interface ConnectionGuard {
  /** A client frame header arrived. */
  onClientFrame(header: Readonly<FrameHeader>): GuardVerdict | undefined;
  /** A server frame header is being sent toward the client. */
  onServerFrame(header: Readonly<FrameHeader>, now: number): void;
  /** Client bytes arrived. */
  onClientBytes(now: number): void;
  /** Everything written toward the client has been taken by its socket. */
  onOutputFlushed(now: number): void;
  /** Checks the timeouts. */
  check(now: number, socket: GuardSocketState): GuardVerdict | undefined;
  /** Highest stream id the client opened, for GOAWAY. */
  lastClientStreamId(): number;
}

/**
 * Creates the guard of one connection accepted at `now`. It keeps, per connection: the open
 * header block (frames and octets), the streams whose request or answer is still on its way
 * (ids only), and counters; so its memory is bounded by the server's stream limit.
 */
export function createConnectionGuard(
  limits: Pick<
    FrontLimits,
    | "maxHeaderBlockSize"
    | "maxHeaderBlockFrames"
    | "maxUnansweredControlFrames"
    | "handshakeTimeoutMs"
    | "stallTimeoutMs"
  >,
  now: number,
): ConnectionGuard {
  const acceptedAt = now;
  let isHandshakeDone = false;
  let lastClientBytesAt = now;
  let outputFlushedAt = now;
  let lastAnswerProgressAt = now;
  let lastStreamId = 0;
  // The header block being received: its stream (0 when none), frames and octets.
  let blockStreamId = 0;
  let blockFrames = 0;
  let blockSize = 0;
  let unansweredControlFrames = 0;
  // Streams whose request the client has not finished, and whose answer the server has started
  // but not finished.
  const requests = new Set<number>();
  const answers = new Set<number>();

  const breach = (reason: string): GuardVerdict => ({ code: GuardCode.EnhanceYourCalm, reason });

  return {
    onClientFrame(header) {
      isHandshakeDone = true;
      const isEndStream = (header.flags & FrameFlag.EndStream) !== 0;
      switch (header.type) {
        case FrameType.Headers: {
          if (header.streamId > lastStreamId) {
            lastStreamId = header.streamId;
            if (!isEndStream) requests.add(header.streamId);
          } else if (isEndStream) {
            requests.delete(header.streamId);
          }
          blockStreamId = header.flags & FrameFlag.EndHeaders ? 0 : header.streamId;
          blockFrames = 1;
          blockSize = header.length;
          break;
        }
        case FrameType.Continuation: {
          // Anything else inside a block is the server's protocol error to report.
          if (blockStreamId === 0) break;
          blockFrames += 1;
          blockSize += header.length;
          if (header.flags & FrameFlag.EndHeaders) blockStreamId = 0;
          break;
        }
        case FrameType.Data:
          if (isEndStream) requests.delete(header.streamId);
          break;
        case FrameType.RstStream:
          requests.delete(header.streamId);
          answers.delete(header.streamId);
          break;
        case FrameType.Ping:
        case FrameType.Settings:
          if ((header.flags & FrameFlag.Ack) === 0) {
            unansweredControlFrames += 1;
            if (unansweredControlFrames > limits.maxUnansweredControlFrames)
              return breach(
                `more than ${limits.maxUnansweredControlFrames} PING or SETTINGS frames while the client did not read the answers`,
              );
          }
          break;
      }
      if (header.type === FrameType.Headers || header.type === FrameType.Continuation) {
        if (blockFrames > limits.maxHeaderBlockFrames)
          return breach(`header block of more than ${limits.maxHeaderBlockFrames} frames`);
        if (blockSize > limits.maxHeaderBlockSize)
          return breach(`header block larger than ${limits.maxHeaderBlockSize} octets`);
      }
      return undefined;
    },
    onServerFrame(header, at) {
      const id = header.streamId;
      if (id === 0) return;
      const isEndStream = (header.flags & FrameFlag.EndStream) !== 0;
      if (header.type === FrameType.RstStream || isEndStream) {
        answers.delete(id);
        requests.delete(id);
        lastAnswerProgressAt = at;
      } else if (header.type === FrameType.Headers || header.type === FrameType.Data) {
        if (answers.size === 0) lastAnswerProgressAt = at;
        answers.add(id);
        if (header.type === FrameType.Data) lastAnswerProgressAt = at;
      }
    },
    onClientBytes(at) {
      lastClientBytesAt = at;
    },
    onOutputFlushed(at) {
      outputFlushedAt = at;
      unansweredControlFrames = 0;
    },
    check(at, socket) {
      const timeout = (reason: string): GuardVerdict => ({ code: GuardCode.NoError, reason });
      if (!isHandshakeDone) {
        return at - acceptedAt > limits.handshakeTimeoutMs
          ? timeout(`no HTTP/2 preface and SETTINGS within ${limits.handshakeTimeoutMs} ms`)
          : undefined;
      }
      const owesBytes = socket.isClientMidFrame || blockStreamId !== 0 || requests.size > 0;
      if (owesBytes && at - lastClientBytesAt > limits.stallTimeoutMs)
        return timeout(
          `the client stopped for ${limits.stallTimeoutMs} ms inside a frame, header block or request`,
        );
      if (socket.bufferedOutput > 0 && at - outputFlushedAt > limits.stallTimeoutMs)
        return timeout(`the client read nothing for ${limits.stallTimeoutMs} ms`);
      if (answers.size > 0 && at - lastAnswerProgressAt > limits.stallTimeoutMs)
        return timeout(
          `answers waited ${limits.stallTimeoutMs} ms for the client's flow-control window`,
        );
      return undefined;
    },
    lastClientStreamId: () => lastStreamId,
  };
}
