import { AsyncLocalStorage } from "node:async_hooks";

/** What one Mount cost, tallied while it runs and logged in its summary line (SPEC §8). */
export interface MountStats {
  /** AWS API calls (one per port call; SDK retries inside a call are not counted again). */
  awsCalls: number;
  /** Cache lookups answered from a cache (credentials, values, Kubernetes objects). */
  cacheHits: number;
  /** Cache lookups that had to ask AWS or Kubernetes. */
  cacheMisses: number;
  /** HTTP requests to the Kubernetes API server. */
  kubeRequests: number;
  /** Entries of the SPC `objects` list, once validation has read them. */
  objects: number | undefined;
}

const storage = new AsyncLocalStorage<MountStats>();

/** A zeroed {@link MountStats}. */
export function createMountStats(): MountStats {
  return { awsCalls: 0, cacheHits: 0, cacheMisses: 0, kubeRequests: 0, objects: undefined };
}

/**
 * Runs `fn` with `stats` as the current Mount's tally: everything `fn` starts, synchronously or
 * asynchronously, sees it through {@link currentMountStats}. A call shared by two concurrent Mounts
 * (an in-flight deduplicated request) counts for the Mount that started it.
 */
export function runWithMountStats<T>(stats: MountStats, fn: () => T): T {
  return storage.run(stats, fn);
}

/** The tally of the Mount running in the current async context; undefined outside any Mount. */
export function currentMountStats(): MountStats | undefined {
  return storage.getStore();
}
