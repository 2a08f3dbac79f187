/** What one Mount cost, tallied while it runs and logged in its summary line (SPEC §8). */
export interface MountTally {
  /** AWS API calls (one per port call; SDK retries inside a call are not counted again). */
  awsCalls: number;
  /** Cache lookups answered from a cache (credentials, values, Kubernetes objects). */
  cacheHits: number;
  /** Cache lookups that had to ask AWS or Kubernetes (joining a call in flight included). */
  cacheMisses: number;
  /** HTTP requests to the Kubernetes API server. */
  kubeRequests: number;
  /** Entries of the SPC `objects` list, once validation has read them. */
  objects: number | undefined;
}

/** A zeroed {@link MountTally}. */
export function createMountTally(): MountTally {
  return { awsCalls: 0, cacheHits: 0, cacheMisses: 0, kubeRequests: 0, objects: undefined };
}

/**
 * What every port and cache call takes: the caller's signal, and the tally of the Mount it serves.
 * A call shared by concurrent Mounts (coalesced) counts for the Mount that started it.
 */
export interface CallOptions {
  /** Cancels the call: the Mount's deadline or the driver's cancellation. */
  signal: AbortSignal;
  /** Where the call counts; none outside a Mount. */
  tally?: MountTally | undefined;
}

/** Counts one cache lookup into `tally`, when there is one. */
export function countLookup(tally: MountTally | undefined, isHit: boolean): void {
  if (tally === undefined) return;
  if (isHit) tally.cacheHits += 1;
  else tally.cacheMisses += 1;
}

/** Counts one AWS API call into the tally of `options`, when there is one. */
export function countAwsCall(options: CallOptions): void {
  if (options.tally !== undefined) options.tally.awsCalls += 1;
}
