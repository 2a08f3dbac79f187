import { createCoalescer } from "../async/coalescer.ts";
import type { AwsCredentials } from "../aws/aws-credentials.ts";
import { type CallOptions, countLookup } from "../call-options.ts";
import type { Redacted } from "../redacted.ts";
import { createLruCache } from "./lru-cache.ts";

/** Credentials are refreshed this long before they expire (SPEC §5.3). */
export const credentialRefreshMarginMs = 5 * 60_000;

/** Options of {@link createCredentialCache}. */
export interface CredentialCacheOptions {
  /** @default Date.now */
  now?: () => number;
  /** Reports each lookup (joining a load already in flight counts as a miss). */
  onLookup?: (hit: boolean) => void;
  /** Identities kept; the least recently used go first. @default 10000 */
  maxEntries?: number;
}

/** Loads credentials for one identity; `signal` is shared by every caller waiting for it. */
export type CredentialLoader = (signal: AbortSignal) => Promise<Redacted<AwsCredentials>>;

/** Per-identity credentials, reused until shortly before they expire. */
export interface CredentialCache {
  /**
   * The cached credentials of `key`, or the result of `load`, shared by concurrent callers of the
   * same key. Failed loads are not cached. Keys must identify the identity completely (auth mode,
   * namespace, service account, role, chained role): entries are never shared across keys.
   */
  get(key: string, options: CallOptions, load: CredentialLoader): Promise<Redacted<AwsCredentials>>;
  /** Drops `key`, e.g. after AWS rejected its credentials. */
  delete(key: string): void;
  readonly size: number;
}

/** Creates the process-wide credential cache. Credentials without an expiration are not kept. */
export function createCredentialCache(options: CredentialCacheOptions = {}): CredentialCache {
  const now = options.now ?? Date.now;
  // Expirations are wall-clock times, so is the cache's clock.
  const entries = createLruCache<Redacted<AwsCredentials>>({
    maxEntries: options.maxEntries ?? 10_000,
    now,
  });
  const loads = createCoalescer<Redacted<AwsCredentials>>();

  const store = (key: string, credentials: Redacted<AwsCredentials>) => {
    const expiration = credentials.reveal().expiration?.getTime();
    if (expiration === undefined) return;
    entries.set(key, credentials, { expiresAt: expiration - credentialRefreshMarginMs });
  };

  return {
    async get(key, { signal, tally }, load) {
      const cached = entries.get(key);
      options.onLookup?.(cached !== undefined);
      countLookup(tally, cached !== undefined);
      if (cached !== undefined) return cached;
      return loads.run(key, signal, async (sharedSignal) => {
        const credentials = await load(sharedSignal);
        store(key, credentials);
        return credentials;
      });
    },
    delete: (key) => entries.delete(key),
    get size() {
      return entries.entries;
    },
  };
}
