import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync, statSync } from "node:fs";
import type { MountRequest } from "../../gen/v1alpha1/service_pb.ts";
import { frontLimits } from "../../src/server/front/front-limits.ts";
import { daemonSetEnv } from "../helpers/daemonset-env.ts";
import { buildMountRequest, createDriverClient } from "../helpers/driver-client.ts";
import { isAlive, readProcStats } from "../helpers/proc-stats.ts";
import { connectRawHttp2, Http2Error, mountRequestFields } from "../helpers/raw-http2-client.ts";
import {
  filesOf,
  startTestBed,
  type TestBed,
  type Workload,
  waitFor,
} from "../helpers/test-bed.ts";
import {
  type AttackOutcome,
  type AttackTarget,
  continuationFlood,
  controlFlood,
  hpackAmplification,
  measurePeakGrowth,
  startUnreadAnswers,
  streamFlood,
} from "./socket-attacks.ts";

/**
 * Hostile and broken clients on the provider socket, against the compiled binary run as the
 * DaemonSet runs it (issue 13, SPEC §5.7). Each attack must be cut off (the connection closed,
 * with the GOAWAY or RST_STREAM code named), cost bounded memory, and leave the provider
 * answering other Mounts meanwhile; on both the piped path (`:authority` localhost, driver v1.6+)
 * and the re-encoded one (the socket path, drivers up to v1.5). Before the limits, the same
 * attacks held 0.5 to 1.6 GiB (see the README's "Socket front limits").
 */
const region = "us-east-1";
const MiB = 1024 * 1024;
/** Generous for a loaded 2-core machine; the attacks grew the provider by 400 MiB and more. */
const attackGrowthLimit = 48 * MiB;
/** 16 secrets of 64,000 octets: a ~1 MiB answer. */
const bigObjects = Array.from(
  { length: 16 },
  (_, i) => `- {objectName: sock/big-${i}, objectType: secretsmanager}`,
).join("\n");

let bed: TestBed;
let pid: number;
let workload: Workload;
let smallRequest: MountRequest;
let bigRequest: MountRequest;

beforeAll(async () => {
  bed = await startTestBed({ mode: "binary", flags: ["--log-level=info"], env: daemonSetEnv() });
  if (bed.pid === undefined) throw new Error("no provider process");
  pid = bed.pid;
  workload = bed.workload({ namespace: "sock", serviceAccount: "app" });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
  bed.aws.putSecret(region, { name: "sock/db", secretString: "socket-db-value" });
  for (let i = 0; i < 16; i++)
    bed.aws.putSecret(region, {
      name: `sock/big-${i}`,
      secretString: String(i % 10).repeat(64_000),
    });
  const request = (objects: string) =>
    buildMountRequest({
      parameters: { region, objects },
      pod: workload.pod,
      tokens: workload.tokens,
    });
  smallRequest = request("- {objectName: sock/db, objectType: secretsmanager}");
  bigRequest = request(bigObjects);
  // Warm the caches, so attacks meet cached answers (the fastest the provider produces them).
  await bed.client.mount(smallRequest);
  await bed.client.mount(bigRequest);
});

afterAll(() => bed.stop());

/** A Mount on the test bed's own connection, answered while an attack runs. */
async function healthyMount(): Promise<number> {
  const started = performance.now();
  const response = await bed.client.mount(smallRequest, { deadlineMs: 10_000 });
  expect(filesOf(response).map((file) => file.text)).toEqual(["socket-db-value"]);
  return performance.now() - started;
}

/** Runs `attack` with a healthy Mount in the middle; returns its outcome. */
async function underAttack(attack: () => Promise<AttackOutcome>): Promise<AttackOutcome> {
  const [outcome, mountMs] = await Promise.all([attack(), Bun.sleep(200).then(healthyMount)]);
  expect(mountMs).toBeLessThan(5000);
  expect(isAlive(pid)).toBe(true);
  return outcome;
}

const targets = (): [string, AttackTarget][] => [
  ["piped (authority localhost)", { socketPath: bed.socketPath, pid, authority: "localhost" }],
  [
    "re-encoded (authority = socket path)",
    { socketPath: bed.socketPath, pid, authority: bed.socketPath },
  ],
];

describe.each([["piped"], ["re-encoded"]] as const)("attacks on the %s path (binary)", (path) => {
  const target = () => {
    const found = targets().find(([name]) => name.startsWith(path));
    if (!found) throw new Error(path);
    return found[1];
  };

  test("empty CONTINUATION frames: GOAWAY ENHANCE_YOUR_CALM, memory flat", async () => {
    const outcome = await underAttack(() => continuationFlood(target(), smallRequest));
    expect(outcome.isClosed).toBe(true);
    expect(outcome.goAwayCode).toBe(Http2Error.ENHANCE_YOUR_CALM);
    expect(outcome.peakGrowthBytes).toBeLessThan(attackGrowthLimit);
  });

  test("HPACK references that decode past the header list limit are refused, memory flat", async () => {
    const outcome = await underAttack(() => hpackAmplification(target(), smallRequest));
    // Piped, Bun resets each stream (and gives up on the connection after 100); re-encoded,
    // the front closes the connection at the first such block.
    const codes = [outcome.goAwayCode, ...outcome.resetCodes.keys()];
    expect(codes).toContain(Http2Error.ENHANCE_YOUR_CALM);
    expect(outcome.isClosed).toBe(true);
    expect(outcome.peakGrowthBytes).toBeLessThan(attackGrowthLimit);
  });

  test.each(["PING", "SETTINGS"] as const)(
    "a %s flood from a client that reads nothing is cut off, memory flat",
    async (kind) => {
      const outcome = await underAttack(() => controlFlood(target(), smallRequest, kind));
      expect(outcome.isClosed).toBe(true);
      expect(outcome.peakGrowthBytes).toBeLessThan(attackGrowthLimit);
    },
  );

  test("200,000 streams on one connection: cut off beyond MAX_CONCURRENT_STREAMS", async () => {
    const outcome = await underAttack(() => streamFlood(target(), smallRequest));
    // Bun refuses the streams beyond the limit and gives up on the connection after 100; it
    // drops its RST_STREAM and GOAWAY frames on an injected connection, so the front sends the
    // GOAWAY with Bun's code.
    expect(outcome.goAwayCode).toBe(Http2Error.ENHANCE_YOUR_CALM);
    expect(outcome.isClosed).toBe(true);
    expect(outcome.peakGrowthBytes).toBeLessThan(attackGrowthLimit);
  });

  test("a burst of 150 concurrent Mounts on one connection succeeds", async () => {
    const client = createDriverClient(bed.socketPath, { authority: target().authority });
    try {
      const answers = await Promise.all(
        Array.from({ length: 150 }, () => client.mount(smallRequest, { deadlineMs: 30_000 })),
      );
      for (const answer of answers)
        expect(filesOf(answer).map((file) => file.text)).toEqual(["socket-db-value"]);
    } finally {
      client.close();
    }
  });
});

describe("clients that stall or do not read (binary)", () => {
  test("are closed within the stall and handshake timeouts, and their memory is freed", async () => {
    const [piped, reencoded] = targets().map(([, target]) => target);
    if (!piped || !reencoded) throw new Error("no targets");
    const baseline = readProcStats(pid).anonBytes;
    const { result, peakGrowthBytes } = await measurePeakGrowth(pid, async () => {
      const stalled = {
        // The preface and nothing else.
        afterPreface: await connectRawHttp2(bed.socketPath, {
          sendsPreface: false,
          isAckingSettings: false,
        }),
        midFrame: await connectRawHttp2(bed.socketPath),
        midHeaderBlock: await connectRawHttp2(bed.socketPath),
        zeroWindowPiped: await startUnreadAnswers(piped, bigRequest, "window", 24),
        zeroWindowReencoded: await startUnreadAnswers(reencoded, bigRequest, "window", 24),
        unreadSocket: await startUnreadAnswers(piped, bigRequest, "socket", 40),
      };
      stalled.afterPreface.write(new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
      stalled.midFrame.write(new Uint8Array([0, 0, 8, 6, 0]));
      const block = stalled.midHeaderBlock.headersFrame(1, mountRequestFields(), {
        isEndHeaders: false,
      });
      stalled.midHeaderBlock.write(block);
      // A legitimate connection that waits quietly between Mounts stays open.
      const quiet = await connectRawHttp2(bed.socketPath);
      quiet.startMount(1, smallRequest);
      await healthyMount();
      // It reads nothing, so it sees the close only once it reads again.
      await waitFor(() => bed.output().includes("written and not read"), 10_000);
      stalled.unreadSocket.socket.resume();
      const closedAfter = await Promise.all(
        Object.values(stalled).map((client) =>
          Promise.race([
            client.closed.then((closed) => closed.atMs),
            Bun.sleep(20_000).then(() => -1),
          ]),
        ),
      );
      const isQuietOpen = !quiet.isClosed() && quiet.streams.get(1)?.isEnded === true;
      const goAways = {
        midHeaderBlock: stalled.midHeaderBlock.goAwayCode(),
        zeroWindowPiped: stalled.zeroWindowPiped.goAwayCode(),
        zeroWindowReencoded: stalled.zeroWindowReencoded.goAwayCode(),
      };
      for (const client of [...Object.values(stalled), quiet]) client.destroy();
      return { closedAfter, isQuietOpen, goAways };
    });
    // 10 s timeouts, checked every second; the unread socket hits the 16 MiB cap at once.
    for (const ms of result.closedAfter) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(frontLimits.stallTimeoutMs + 5000);
    }
    // The connection stalled inside a header block is told goodbye either by the front's stall
    // timeout (NO_ERROR) or, when Bun's session sees the stall first, by Bun (PROTOCOL_ERROR): a
    // loaded machine decides which comes first (seen once in a clean-clone CI run).
    const { midHeaderBlock, ...otherGoAways } = result.goAways;
    expect([Http2Error.NO_ERROR, Http2Error.PROTOCOL_ERROR] as (number | undefined)[]).toContain(
      midHeaderBlock,
    );
    expect({ isQuietOpen: result.isQuietOpen, ...otherGoAways }).toEqual({
      isQuietOpen: true,
      zeroWindowPiped: Http2Error.NO_ERROR,
      zeroWindowReencoded: Http2Error.NO_ERROR,
    });
    // Until they are closed, the zero-window readers hold their 24 answers of ~1 MiB each in the
    // HTTP/2 server, the unread socket up to 16 MiB in the front: each at most the 64 MiB of
    // maxSessionMemoryMiB, plus the garbage of building 88 large answers.
    expect(peakGrowthBytes).toBeLessThan(
      3 * frontLimits.maxSessionMemoryMiB * MiB + attackGrowthLimit,
    );
    await waitFor(() => readProcStats(pid).anonBytes - baseline < attackGrowthLimit, 10_000);
    expect(readProcStats(pid).anonBytes - baseline).toBeLessThan(attackGrowthLimit);
    expect(bed.output()).toContain("answers waited 10000 ms for the client's flow-control window");
    await healthyMount();
  }, 40_000);
});

describe("the connection cap (binary)", () => {
  test("refuses connections beyond maxConnections while open ones keep being served", async () => {
    const clients = [];
    // A connection refused at once may already fail its connect with ECONNRESET: refused too.
    let resetOnConnect = 0;
    try {
      for (let i = 0; i < frontLimits.maxConnections + 8; i++) {
        const client = await connectRawHttp2(bed.socketPath).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") throw error;
          resetOnConnect += 1;
          return undefined;
        });
        if (client) clients.push(client);
      }
      await Bun.sleep(300);
      const refused = resetOnConnect + clients.filter((client) => client.isClosed()).length;
      expect(refused).toBeGreaterThanOrEqual(8);
      // The test bed's client was connected before: it is still served.
      await healthyMount();
    } finally {
      for (const client of clients) client.destroy();
    }
    await Bun.sleep(300);
    const fresh = createDriverClient(bed.socketPath);
    try {
      expect((await fresh.version()).version).toBe("v1alpha1");
    } finally {
      fresh.close();
    }
    expect(bed.output()).toContain("too many open connections");
  });
});

describe("a removed socket file (binary)", () => {
  test("is created again: /healthz answers and a new driver connection mounts", async () => {
    rmSync(bed.socketPath);
    await waitFor(() => existsSync(bed.socketPath), 5000);
    expect(statSync(bed.socketPath).isSocket()).toBe(true);
    const healthz = await fetch(`${await bed.metricsUrl()}/healthz`);
    expect(healthz.status).toBe(200);
    const client = createDriverClient(bed.socketPath);
    try {
      const response = await client.mount(smallRequest, { deadlineMs: 10_000 });
      expect(filesOf(response).map((file) => file.text)).toEqual(["socket-db-value"]);
    } finally {
      client.close();
    }
    expect(bed.output()).toContain("The provider socket file was removed; created it again");
  });
});
