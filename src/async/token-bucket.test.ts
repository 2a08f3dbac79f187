import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../test/helpers/manual-clock.ts";
import { createTokenBucket, systemClock } from "./token-bucket.ts";

const noSignal = new AbortController().signal;

describe("createTokenBucket()", () => {
  test("lets a burst through at once and makes the next take wait 1/qps", async () => {
    const { clock, sleeps, advance } = createManualClock();
    const bucket = createTokenBucket({ qps: 5, burst: 2, clock });

    await bucket.take(noSignal);
    await bucket.take(noSignal);
    const third = bucket.take(noSignal);

    expect(sleeps).toEqual([200]);
    advance(200);
    await third;
  });

  test("keeps waiting takes in order", async () => {
    const { clock, sleeps, advance } = createManualClock();
    const bucket = createTokenBucket({ qps: 5, burst: 1, clock });
    await bucket.take(noSignal);
    const done: string[] = [];

    const all = ["b", "c", "d"].map((name) => bucket.take(noSignal).then(() => done.push(name)));
    expect(sleeps).toEqual([200, 400, 600]);
    for (const expected of [["b"], ["b", "c"], ["b", "c", "d"]]) {
      advance(200);
      await Bun.sleep(0);
      expect(done).toEqual(expected);
    }
    await Promise.all(all);
  });

  test("refills at qps up to burst", async () => {
    const { clock, sleeps, advance } = createManualClock();
    const bucket = createTokenBucket({ qps: 5, burst: 2, clock });
    await bucket.take(noSignal);
    await bucket.take(noSignal);

    advance(60_000);
    const all = Promise.all([1, 2, 3].map(() => bucket.take(noSignal)));

    expect(sleeps).toEqual([200]);
    advance(200);
    await all;
  });

  test("gives the reservation of a cancelled take back", async () => {
    const { clock, sleeps } = createManualClock();
    const bucket = createTokenBucket({ qps: 5, burst: 1, clock });
    await bucket.take(noSignal);
    const controller = new AbortController();
    const reason = new Error("pod deleted");

    const waiting = bucket.take(controller.signal);
    controller.abort(reason);

    await expect(waiting).rejects.toBe(reason);
    void bucket.take(noSignal);
    expect(sleeps).toEqual([200, 200]);
  });

  test("rejects an aborted signal without taking a token", async () => {
    const { clock, sleeps } = createManualClock();
    const bucket = createTokenBucket({ qps: 5, burst: 1, clock });
    const reason = new Error("cancelled");

    await expect(bucket.take(AbortSignal.abort(reason))).rejects.toBe(reason);
    await bucket.take(noSignal);

    expect(sleeps).toEqual([]);
  });
});

describe("systemClock", () => {
  test("sleeps for the given time", async () => {
    const startedAt = performance.now();

    await systemClock.sleep(20, noSignal);

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(15);
  });

  test("stops sleeping with the signal's reason on abort", async () => {
    const controller = new AbortController();
    const reason = new Error("deadline");
    setTimeout(() => controller.abort(reason), 10);

    await expect(systemClock.sleep(60_000, controller.signal)).rejects.toBe(reason);
  });
});
