import type { TokenBucketClock } from "../../src/async/token-bucket.ts";

/** A clock that only moves when told to; sleepers wake once their deadline has passed. */
export function createManualClock() {
  let now = 0;
  const sleepers = new Set<{ until: number; wake: () => void }>();
  const sleeps: number[] = [];
  const clock: TokenBucketClock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        sleeps.push(ms);
        const sleeper = { until: now + ms, wake: resolve };
        sleepers.add(sleeper);
        signal.addEventListener("abort", () => {
          sleepers.delete(sleeper);
          reject(signal.reason);
        });
      }),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const sleeper of sleepers) {
      if (sleeper.until <= now) {
        sleepers.delete(sleeper);
        sleeper.wake();
      }
    }
  };
  return { clock, sleeps, advance };
}
