import { createCoalescer } from "../async/coalescer.ts";
import { type CallOptions, countLookup } from "../call-options.ts";
import type { Redacted } from "../redacted.ts";
import { createLruCache } from "./lru-cache.ts";

/** One fetched object version. */
export interface CachedValue {
  bytes: Redacted<Uint8Array>;
  version: string;
}

/** Options of {@link createValueCache}. */
export interface ValueCacheOptions {
  /** `--cache-ttl`; 0 keeps nothing (identical in-flight requests are still shared). */
  ttlMs: number;
  /** `--cache-max-bytes`: least recently used entries go first above it. */
  maxBytes: number;
  /** @default Date.now */
  now?: () => number;
  /** Reports each lookup (joining a fetch already in flight counts as a miss). */
  onLookup?: (hit: boolean) => void;
}

/** Fetched values per (identity, region, service, object, version selector) (SPEC §5.3). */
export interface ValueCache {
  /**
   * The cached value of `key`, or the result of `load`, shared by concurrent callers of the same
   * key. Failures are not cached. The key must start with the identity key: a value fetched with
   * one identity is never served to another.
   */
  get(
    key: string,
    options: CallOptions,
    load: (signal: AbortSignal) => Promise<CachedValue>,
  ): Promise<CachedValue>;
  /**
   * The cached value of `key` at once, counted as a hit; undefined (and not counted, since the
   * `get` that follows counts it) when there is none. Lets a Mount served from the cache skip the
   * promises and stage tracking a fetch needs.
   */
  peek(key: string, options: CallOptions): CachedValue | undefined;
  /** Drops `key` (AccessDenied / NotFound for it). */
  delete(key: string): void;
  /** Bytes held now. */
  readonly bytes: number;
}

/** Builds the key of a value: identity first, so no key of one identity equals another's. */
export function toValueKey(parts: {
  identityKey: string;
  region: string;
  service: string;
  objectId: string;
  selector: string;
}): string {
  return JSON.stringify([
    parts.identityKey,
    parts.region,
    parts.service,
    parts.objectId,
    parts.selector,
  ]);
}

/** Creates a TTL + LRU-by-bytes cache with request coalescing. Values are shared frozen. */
export function createValueCache(options: ValueCacheOptions): ValueCache {
  const now = options.now ?? Date.now;
  const entries = createLruCache<CachedValue>({ maxSize: options.maxBytes, now });
  const loads = createCoalescer<CachedValue>();

  const store = (key: string, value: CachedValue) => {
    if (options.ttlMs <= 0) return;
    const size = value.bytes.reveal().byteLength + key.length + value.version.length;
    entries.set(key, value, { expiresAt: now() + options.ttlMs, size });
  };

  return {
    async get(key, { signal, tally }, load) {
      const cached = entries.get(key);
      options.onLookup?.(cached !== undefined);
      countLookup(tally, cached !== undefined);
      if (cached !== undefined) return cached;
      return loads.run(key, signal, async (sharedSignal) => {
        const value = Object.freeze({ ...(await load(sharedSignal)) });
        store(key, value);
        return value;
      });
    },
    peek(key, { tally }) {
      const cached = entries.get(key);
      if (cached === undefined) return undefined;
      options.onLookup?.(true);
      countLookup(tally, true);
      return cached;
    },
    delete: (key) => entries.delete(key),
    get bytes() {
      return entries.totalSize;
    },
  };
}

/**
 * A {@link ValueCache} that keeps and shares nothing: every lookup is a miss that runs its own
 * `load`. For a Mount whose token could not be proven (SPEC §5.3): it may neither read what a
 * proven identity cached nor join its fetches in flight, nor leave values under that identity.
 */
export const noValueCache: ValueCache = {
  get(_key, { signal, tally }, load) {
    countLookup(tally, false);
    return load(signal);
  },
  peek: () => undefined,
  delete() {},
  bytes: 0,
};
