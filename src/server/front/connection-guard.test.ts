import { describe, expect, test } from "bun:test";
import { createConnectionGuard, GuardCode } from "./connection-guard.ts";
import { FrameFlag, type FrameHeader, FrameType } from "./http2-frames.ts";

const limits = {
  maxHeaderBlockSize: 1000,
  maxHeaderBlockFrames: 4,
  maxUnansweredControlFrames: 10,
  handshakeTimeoutMs: 100,
  stallTimeoutMs: 200,
};
const idle = { isClientMidFrame: false, bufferedOutput: 0 };
const frame = (type: number, flags: number, streamId: number, length = 10): FrameHeader => ({
  length,
  type,
  flags,
  streamId,
});
const settings = frame(FrameType.Settings, 0, 0, 0);
const request = (streamId: number, flags = FrameFlag.EndHeaders | FrameFlag.EndStream) =>
  frame(FrameType.Headers, flags, streamId);

/** A guard past its handshake at t = 0. */
function startedGuard() {
  const guard = createConnectionGuard(limits, 0);
  guard.onClientFrame(settings);
  return guard;
}

describe("createConnectionGuard()", () => {
  test("closes a connection without preface and SETTINGS after the handshake timeout", () => {
    const guard = createConnectionGuard(limits, 0);
    expect(guard.check(100, idle)).toBeUndefined();
    expect(guard.check(101, idle)).toEqual({
      code: GuardCode.NoError,
      reason: "no HTTP/2 preface and SETTINGS within 100 ms",
    });
    expect(startedGuard().check(101, idle)).toBeUndefined();
  });

  test("counts the frames of a header block, empty CONTINUATION frames included", () => {
    const guard = startedGuard();
    expect(guard.onClientFrame(request(1, 0))).toBeUndefined();
    for (let i = 0; i < 3; i++)
      expect(guard.onClientFrame(frame(FrameType.Continuation, 0, 1, 0))).toBeUndefined();
    expect(guard.onClientFrame(frame(FrameType.Continuation, 0, 1, 0))).toEqual({
      code: GuardCode.EnhanceYourCalm,
      reason: "header block of more than 4 frames",
    });
  });

  test("starts counting again with each header block", () => {
    const guard = startedGuard();
    for (let id = 1; id < 20; id += 2) {
      expect(guard.onClientFrame(request(id, 0))).toBeUndefined();
      for (let i = 0; i < 2; i++) guard.onClientFrame(frame(FrameType.Continuation, 0, id, 0));
      expect(
        guard.onClientFrame(frame(FrameType.Continuation, FrameFlag.EndHeaders, id, 0)),
      ).toBeUndefined();
    }
  });

  test("counts the octets of a header block across its frames", () => {
    const guard = startedGuard();
    guard.onClientFrame(frame(FrameType.Headers, 0, 1, 600));
    expect(guard.onClientFrame(frame(FrameType.Continuation, 0, 1, 401))?.reason).toBe(
      "header block larger than 1000 octets",
    );
  });

  test("cuts off PING and SETTINGS frames the client sends without reading the answers", () => {
    const guard = startedGuard();
    for (let i = 0; i < 9; i++)
      expect(guard.onClientFrame(frame(FrameType.Ping, 0, 0, 8))).toBe(undefined);
    // Acknowledgements need no answer; a flush of the output shows the client reads.
    expect(guard.onClientFrame(frame(FrameType.Ping, FrameFlag.Ack, 0, 8))).toBeUndefined();
    guard.onOutputFlushed(5);
    for (let i = 0; i < 10; i++) expect(guard.onClientFrame(settings)).toBeUndefined();
    expect(guard.onClientFrame(frame(FrameType.Ping, 0, 0, 8))?.code).toBe(
      GuardCode.EnhanceYourCalm,
    );
  });

  test("closes a client that stops inside a frame, a header block or a request", () => {
    const midFrame = startedGuard();
    expect(midFrame.check(200, { ...idle, isClientMidFrame: true })).toBeUndefined();
    expect(midFrame.check(201, { ...idle, isClientMidFrame: true })?.reason).toContain(
      "stopped for 200 ms",
    );
    const midBlock = startedGuard();
    midBlock.onClientFrame(request(1, 0));
    expect(midBlock.check(201, idle)?.code).toBe(GuardCode.NoError);
    const midRequest = startedGuard();
    midRequest.onClientFrame(request(1, FrameFlag.EndHeaders));
    midRequest.onClientBytes(100);
    expect(midRequest.check(300, idle)).toBeUndefined();
    expect(midRequest.check(301, idle)?.code).toBe(GuardCode.NoError);
  });

  test("lets a client wait for its answers as long as it likes", () => {
    const guard = startedGuard();
    for (let id = 1; id < 100; id += 2) guard.onClientFrame(request(id));
    expect(guard.check(1_000_000, idle)).toBeUndefined();
    expect(guard.lastClientStreamId()).toBe(99);
  });

  test("closes a connection whose written output the client does not read", () => {
    const guard = startedGuard();
    guard.onOutputFlushed(50);
    expect(guard.check(250, { ...idle, bufferedOutput: 1 })).toBeUndefined();
    expect(guard.check(251, { ...idle, bufferedOutput: 1 })?.reason).toBe(
      "the client read nothing for 200 ms",
    );
  });

  test("closes a connection whose answers wait for a flow-control window that never opens", () => {
    const guard = startedGuard();
    guard.onClientFrame(request(1));
    guard.onClientFrame(request(3));
    guard.onServerFrame(frame(FrameType.Headers, FrameFlag.EndHeaders, 1), 10);
    guard.onServerFrame(frame(FrameType.Data, 0, 1), 100);
    // A new answer starting is no progress of the waiting one.
    guard.onServerFrame(frame(FrameType.Headers, FrameFlag.EndHeaders, 3), 250);
    expect(guard.check(300, idle)).toBeUndefined();
    expect(guard.check(301, idle)?.reason).toBe(
      "answers waited 200 ms for the client's flow-control window",
    );
  });

  test("forgets answers that ended or were reset", () => {
    const guard = startedGuard();
    guard.onServerFrame(frame(FrameType.Headers, FrameFlag.EndHeaders, 1), 0);
    guard.onServerFrame(frame(FrameType.Headers, FrameFlag.EndHeaders, 3), 0);
    guard.onServerFrame(frame(FrameType.Headers, FrameFlag.EndStream, 1), 10);
    guard.onClientFrame(frame(FrameType.RstStream, 0, 3, 4));
    expect(guard.check(10_000, idle)).toBeUndefined();
  });

  test("forgets requests the server refused", () => {
    const guard = startedGuard();
    guard.onClientFrame(request(1, FrameFlag.EndHeaders));
    guard.onServerFrame(frame(FrameType.RstStream, 0, 1, 4), 5);
    guard.onClientBytes(5);
    expect(guard.check(10_000, idle)).toBeUndefined();
  });
});
