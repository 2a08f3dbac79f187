import { describe, expect, test } from "bun:test";
import { createMountStats, currentMountStats, runWithMountStats } from "./mount-stats.ts";

describe("runWithMountStats()", () => {
  test("makes the tally current across awaits, timers and promise chains", async () => {
    const stats = createMountStats();
    await runWithMountStats(stats, async () => {
      await Bun.sleep(1);
      (currentMountStats() ?? createMountStats()).awsCalls += 1;
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          (currentMountStats() ?? createMountStats()).cacheHits += 1;
          resolve();
        }, 1),
      );
      await Promise.resolve().then(() => {
        (currentMountStats() ?? createMountStats()).kubeRequests += 1;
      });
    });
    expect(stats).toEqual({
      awsCalls: 1,
      cacheHits: 1,
      cacheMisses: 0,
      kubeRequests: 1,
      objects: undefined,
    });
  });

  test("keeps concurrent Mounts apart", async () => {
    const a = createMountStats();
    const b = createMountStats();
    const work = (times: number) => async () => {
      for (let i = 0; i < times; i++) {
        await Bun.sleep(1);
        const stats = currentMountStats();
        if (stats) stats.awsCalls += 1;
      }
    };
    await Promise.all([runWithMountStats(a, work(3)), runWithMountStats(b, work(5))]);
    expect([a.awsCalls, b.awsCalls]).toEqual([3, 5]);
  });

  test("there is no tally outside a Mount", () => {
    expect(currentMountStats()).toBeUndefined();
    runWithMountStats(createMountStats(), () => {});
    expect(currentMountStats()).toBeUndefined();
  });
});
