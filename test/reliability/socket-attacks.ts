import type { MountRequest } from "../../gen/v1alpha1/service_pb.ts";
import {
  encodeHeaderBlock,
  writeInteger,
  writeString,
} from "../../src/server/front/hpack/hpack-encoder.ts";
import { FrameFlag, FrameType } from "../../src/server/front/http2-frames.ts";
import { readProcStats } from "../helpers/proc-stats.ts";
import {
  connectRawHttp2,
  mountRequestFields,
  type RawHttp2Client,
  SettingId,
  toFrame,
  toSettingsPayload,
} from "../helpers/raw-http2-client.ts";

/**
 * Attacks a hostile or broken client can make on the provider socket, written as raw HTTP/2
 * frames. Shared by `socket-attacks.test.ts` (which asserts the limits) and anyone who wants the
 * figures of an older binary (each returns what it measured rather than asserting).
 */

/** What one attack did and what the provider did about it. */
export interface AttackOutcome {
  /** Octets the attacker sent. */
  sentBytes: number;
  /** Highest RssAnon of the provider during the attack, minus the one before. */
  peakGrowthBytes: number;
  /** Whether the provider closed the connection. */
  isClosed: boolean;
  /** The GOAWAY code received, if any. */
  goAwayCode: number | undefined;
  /** RST_STREAM codes received, by count. */
  resetCodes: Map<number, number>;
  /** Milliseconds from connecting until the connection closed. */
  closedAfterMs: number | undefined;
}

/** How the attacker dials: `localhost` (piped, driver v1.6+) or the socket path (re-encoded). */
export interface AttackTarget {
  socketPath: string;
  pid: number;
  authority: string;
}

/** Samples the provider's RssAnon every 10 ms while `run` runs; returns the peak growth. */
export async function measurePeakGrowth<T>(
  pid: number,
  run: () => Promise<T>,
): Promise<{ result: T; peakGrowthBytes: number }> {
  const before = readProcStats(pid).anonBytes;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, readProcStats(pid).anonBytes);
  }, 10);
  try {
    const result = await run();
    peak = Math.max(peak, readProcStats(pid).anonBytes);
    return { result, peakGrowthBytes: peak - before };
  } finally {
    clearInterval(timer);
  }
}

/** Writes `chunk` again and again for `durationMs`, waiting while the socket is full, until closed. */
async function flood(
  client: RawHttp2Client,
  chunk: Uint8Array,
  durationMs: number,
): Promise<number> {
  let sent = 0;
  const until = performance.now() + durationMs;
  while (performance.now() < until && !client.isClosed()) {
    const isFlushed = client.write(chunk);
    sent += chunk.length;
    if (!isFlushed)
      await Promise.race([
        new Promise((resolve) => client.socket.once("drain", resolve)),
        client.closed,
        Bun.sleep(200),
      ]);
  }
  return sent;
}

async function outcomeOf(
  target: AttackTarget,
  attack: () => Promise<{ client: RawHttp2Client; sentBytes: number }>,
  settleMs = 300,
): Promise<AttackOutcome> {
  const { result, peakGrowthBytes } = await measurePeakGrowth(target.pid, async () => {
    const run = await attack();
    await Promise.race([run.client.closed, Bun.sleep(settleMs)]);
    return run;
  });
  const { client, sentBytes } = result;
  const closedAt = client.isClosed() ? (await client.closed).atMs : undefined;
  const resetCodes = new Map<number, number>();
  for (const answer of client.streams.values())
    if (answer.resetCode !== undefined)
      resetCodes.set(answer.resetCode, (resetCodes.get(answer.resetCode) ?? 0) + 1);
  const outcome: AttackOutcome = {
    sentBytes,
    peakGrowthBytes,
    isClosed: client.isClosed(),
    goAwayCode: client.goAwayCode(),
    resetCodes,
    closedAfterMs: closedAt,
  };
  client.destroy();
  return outcome;
}

/** A connection whose first request (a Mount) has been answered, so its path is decided. */
async function connectDecided(target: AttackTarget, request: MountRequest, options = {}) {
  const client = await connectRawHttp2(target.socketPath, options);
  client.startMount(1, request, { authority: target.authority });
  await client.until(
    () => client.streams.get(1)?.isEnded === true || client.isClosed(),
    10_000,
    "the first Mount's answer",
  );
  return client;
}

/**
 * HEADERS without END_HEADERS, then empty CONTINUATION frames for `durationMs` (RFC 9113
 * §6.10 sets no limit; each frame costs the receiver work and, if it buffers them, memory).
 */
export function continuationFlood(target: AttackTarget, request: MountRequest, durationMs = 3000) {
  return outcomeOf(target, async () => {
    const client = await connectDecided(target, request);
    const block = encodeHeaderBlock(mountRequestFields(target.authority));
    client.write(client.headersFrame(3, block, { isEndHeaders: false }));
    const empty = toFrame({ type: FrameType.Continuation, flags: 0, streamId: 3 });
    const chunk = Buffer.concat(Array.from({ length: 4096 }, () => empty));
    return { client, sentBytes: await flood(client, chunk, durationMs) };
  });
}

/**
 * One 4,000-octet entry in the HPACK dynamic table, then `streams` header blocks that refer to
 * it `references` times each: a few octets on the wire, ~4 KiB decoded per reference.
 */
export function hpackAmplification(
  target: AttackTarget,
  request: MountRequest,
  options: { streams?: number; references?: number } = {},
) {
  const streams = options.streams ?? 200;
  const references = options.references ?? 1000;
  return outcomeOf(
    target,
    async () => {
      const client = await connectDecided(target, request);
      // The encoder's blocks start with a size update to 0: drop it, and restore the default
      // 4096 in the block that inserts the entry.
      const base = encodeHeaderBlock(mountRequestFields(target.authority)).subarray(1);
      const insert: number[] = [];
      writeInteger(insert, 0x20, 5, 4096);
      insert.push(...base);
      writeInteger(insert, 0x40, 6, 0);
      writeString(insert, "x-a");
      writeString(insert, "a".repeat(4000));
      const refs = new Uint8Array(references).fill(0xbe);
      let sent = 0;
      for (let i = 0; i < streams && !client.isClosed(); i++) {
        const block = i === 0 ? Uint8Array.from(insert) : Buffer.concat([base, refs]);
        for (let at = 0; at < block.length; at += 16384) {
          const part = block.subarray(at, at + 16384);
          const flags = at + 16384 >= block.length ? FrameFlag.EndHeaders | FrameFlag.EndStream : 0;
          const type = at === 0 ? FrameType.Headers : FrameType.Continuation;
          client.write(toFrame({ type, flags, streamId: 3 + 2 * i }, part));
        }
        sent += block.length;
        if (i % 20 === 0) await Bun.sleep(1);
      }
      return { client, sentBytes: sent };
    },
    1000,
  );
}

/** PING or SETTINGS frames for `durationMs` from a client that never reads the answers. */
export function controlFlood(
  target: AttackTarget,
  request: MountRequest,
  kind: "PING" | "SETTINGS",
  durationMs = 3000,
) {
  return outcomeOf(target, async () => {
    const client = await connectDecided(target, request, {});
    client.socket.pause();
    client.socket.removeAllListeners("data");
    const frame =
      kind === "PING"
        ? toFrame({ type: FrameType.Ping, flags: 0, streamId: 0 }, new Uint8Array(8))
        : toFrame(
            { type: FrameType.Settings, flags: 0, streamId: 0 },
            toSettingsPayload([[SettingId.InitialWindowSize, 65535]]),
          );
    const chunk = Buffer.concat(Array.from({ length: 4096 }, () => frame));
    return { client, sentBytes: await flood(client, chunk, durationMs) };
  });
}

/** `streams` request HEADERS that never end (no END_STREAM, no DATA), as fast as possible. */
export function streamFlood(target: AttackTarget, request: MountRequest, streams = 200_000) {
  return outcomeOf(
    target,
    async () => {
      const client = await connectDecided(target, request);
      const block = encodeHeaderBlock(mountRequestFields(target.authority));
      let sent = 0;
      for (let first = 0; first < streams && !client.isClosed(); first += 1000) {
        const frames = [];
        for (let i = first; i < Math.min(streams, first + 1000); i++)
          frames.push(client.headersFrame(3 + 2 * i, block));
        const chunk = Buffer.concat(frames);
        sent += chunk.length;
        if (!client.write(chunk))
          await Promise.race([
            new Promise((resolve) => client.socket.once("drain", resolve)),
            client.closed,
            Bun.sleep(200),
          ]);
      }
      return { client, sentBytes: sent };
    },
    1000,
  );
}

/**
 * `count` Mounts whose answers are large, from a client that keeps its flow-control windows at
 * zero (`"window"`: it reads the socket but never lets the server send DATA) or that grants
 * everything and never reads the socket (`"socket"`). Resolves once the connection is open and
 * the requests sent; the caller watches the client.
 */
export async function startUnreadAnswers(
  target: AttackTarget,
  request: MountRequest,
  mode: "window" | "socket",
  count: number,
): Promise<RawHttp2Client> {
  const client = await connectRawHttp2(target.socketPath, {
    settings: [[SettingId.InitialWindowSize, mode === "window" ? 0 : 0x7fffffff]],
    isReading: mode === "window",
    isAckingSettings: mode === "window",
  });
  if (mode === "socket") {
    const increment = new Uint8Array(4);
    new DataView(increment.buffer).setUint32(0, 0x7fffffff - 65535);
    client.write(toFrame({ type: FrameType.WindowUpdate, flags: 0, streamId: 0 }, increment));
  }
  for (let i = 0; i < count; i++)
    client.startMount(1 + 2 * i, request, { authority: target.authority });
  return client;
}
