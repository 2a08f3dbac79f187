import { createCoalescer } from "../async/coalescer.ts";
import type { Redacted } from "../redacted.ts";

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
    signal: AbortSignal,
    load: (signal: AbortSignal) => Promise<CachedValue>,
  ): Promise<CachedValue>;
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

/** Creates a TTL + LRU-by-bytes cache with request coalescing. */
export function createValueCache(options: ValueCacheOptions): ValueCache {
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order: re-inserting on a hit keeps the LRU entry first.
  const entries = new Map<string, { value: CachedValue; expiresAt: number; size: number }>();
  const loads = createCoalescer<CachedValue>();
  let bytes = 0;

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.size;
  };

  const store = (key: string, value: CachedValue) => {
    if (options.ttlMs <= 0) return;
    const size = value.bytes.reveal().byteLength + key.length + value.version.length;
    if (size > options.maxBytes) return;
    remove(key);
    entries.set(key, { value, expiresAt: now() + options.ttlMs, size });
    bytes += size;
    for (const [oldest] of entries) {
      if (bytes <= options.maxBytes) break;
      remove(oldest);
    }
  };

  return {
    async get(key, signal, load) {
      const entry = entries.get(key);
      if (entry && entry.expiresAt > now()) {
        entries.delete(key);
        entries.set(key, entry);
        options.onLookup?.(true);
        return entry.value;
      }
      if (entry) remove(key);
      options.onLookup?.(false);
      return loads.run(key, signal, async (sharedSignal) => {
        const value = await load(sharedSignal);
        store(key, value);
        return value;
      });
    },
    delete: remove,
    get bytes() {
      return bytes;
    },
  };
}
