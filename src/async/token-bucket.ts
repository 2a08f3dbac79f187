import { sleep } from "./abortable-sleep.ts";
/** Time source of a {@link TokenBucket}, replaceable in tests. */
export interface TokenBucketClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or rejects with `signal.reason` when the signal aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** A client-side rate limit. */
export interface TokenBucket {
  /**
   * Resolves once the caller may send one request.
   * @throws `signal.reason` when the signal aborts before the request's turn
   */
  take(signal: AbortSignal): Promise<void>;
}

/** Options of {@link createTokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained requests per second; must be above 0. */
  qps: number;
  /** Requests allowed at once above `qps`, and the size of the bucket; at least 1. */
  burst: number;
  /** @default {@link systemClock} */
  clock?: TokenBucketClock | undefined;
}

/** `performance.now()` and timers. */
export const systemClock: TokenBucketClock = {
  now: () => performance.now(),
  sleep,
};

/**
 * Token bucket holding up to `burst` tokens, refilled at `qps` per second. A request that finds no
 * token reserves the next one and sleeps until it is due, so waiting requests keep their order.
 * The caller validates `qps` and `burst`.
 */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const { qps, burst } = options;
  const clock = options.clock ?? systemClock;
  let tokens = burst;
  let updatedAt = clock.now();
  return {
    async take(signal) {
      signal.throwIfAborted();
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - updatedAt) * qps) / 1000);
      updatedAt = now;
      tokens -= 1;
      if (tokens >= 0) return;
      try {
        await clock.sleep((-tokens * 1000) / qps, signal);
      } catch (error) {
        // A cancelled request gives its reservation back to the ones still waiting.
        tokens += 1;
        throw error;
      }
    },
  };
}
