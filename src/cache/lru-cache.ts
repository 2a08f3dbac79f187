/** Options of {@link createLruCache}. */
export interface LruCacheOptions {
  /** Most entries kept; the least recently used go first. @default Infinity */
  maxEntries?: number;
  /** Most total size kept (each entry's `size`); the least recently used go first. @default Infinity */
  maxSize?: number;
  /** Milliseconds on a monotonic clock, for expiry. @default performance.now() */
  now?: () => number;
}

/** How {@link LruCache.set} stores one entry. */
export interface LruEntryOptions {
  /** When the entry stops being served, on the cache's clock. @default never */
  expiresAt?: number;
  /** The entry's share of `maxSize`. @default 1 */
  size?: number;
}

/**
 * A map bounded by entry count and total size, least recently used out first, with per-entry
 * expiry. The one cache structure of the provider: values, validated SecretProviderClasses,
 * credentials and Kubernetes objects.
 */
export interface LruCache<V> {
  /** The live value of `key` (it becomes the most recently used), or undefined. */
  get(key: string): V | undefined;
  /**
   * Stores `value` as the most recently used entry, then evicts the least recently used until
   * both bounds hold. An entry larger than `maxSize` alone is not stored (and drops the old one).
   */
  set(key: string, value: V, options?: LruEntryOptions): void;
  delete(key: string): void;
  /** Entries held, expired ones not yet dropped included. */
  readonly entries: number;
  /** Sum of the entries' sizes. */
  readonly totalSize: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  size: number;
}

/** Creates an empty {@link LruCache}. */
export function createLruCache<V>(options: LruCacheOptions = {}): LruCache<V> {
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? (() => performance.now());
  // Map iteration is insertion order: re-inserting on use keeps the least recently used first.
  const map = new Map<string, Entry<V>>();
  let totalSize = 0;

  const remove = (key: string) => {
    const entry = map.get(key);
    if (entry === undefined) return;
    map.delete(key);
    totalSize -= entry.size;
  };

  return {
    get(key) {
      const entry = map.get(key);
      if (entry === undefined) return undefined;
      map.delete(key);
      if (entry.expiresAt <= now()) {
        totalSize -= entry.size;
        return undefined;
      }
      map.set(key, entry);
      return entry.value;
    },
    set(key, value, entryOptions = {}) {
      remove(key);
      const size = entryOptions.size ?? 1;
      if (size > maxSize) return;
      map.set(key, { value, expiresAt: entryOptions.expiresAt ?? Number.POSITIVE_INFINITY, size });
      totalSize += size;
      for (const oldest of map.keys()) {
        if (map.size <= maxEntries && totalSize <= maxSize) break;
        remove(oldest);
      }
    },
    delete: remove,
    get entries() {
      return map.size;
    },
    get totalSize() {
      return totalSize;
    },
  };
}
