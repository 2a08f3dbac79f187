import { createLruCache } from "../cache/lru-cache.ts";
import { type ReadSpcOptions, readSpc, type ValidatedSpc } from "./read-spc.ts";
import type { Problem } from "./secret-descriptor.ts";

/** SPC text above which a parse is followed by a garbage collection. */
const largeSpcCharacters = 64 * 1024;

/** Options of {@link createSpcReader}. */
export interface SpcReaderOptions {
  /** Validated SecretProviderClasses kept. @default 256 */
  maxEntries?: number;
  /**
   * Characters of SPC text (the cache keys) kept in total. A validated SPC holds about five
   * times its `objects` text in memory (10,000 objects: 1 MiB of YAML, 5 MiB of descriptors), so
   * 256 large SPCs would take over a GiB; this bound keeps the cache near 20 MiB at most.
   * @default 4194304
   */
  maxCharacters?: number;
}

/** Options of one read: those of `readSpc`, plus a listener of the SPC's warnings. */
export interface SpcReadOptions extends ReadSpcOptions {
  /**
   * Called with the SPC's warnings (unknown parameters and fields) when it is parsed, and not when
   * it is served from the cache: the log shows them once per SecretProviderClass, not once per pod
   * and rotation remount.
   */
  onWarnings?: (warnings: readonly Problem[]) => void;
}

/** Keys the kubelet and the driver set per pod (`csi.storage.k8s.io/pod.name`, …). */
const podKeyPrefix = "csi.storage.k8s.io/";

/**
 * `readSpc` with a small LRU in front. Every pod of a Deployment, and every rotation remount,
 * sends the same SecretProviderClass: parsing its YAML once saves most of a cached mount's CPU and
 * garbage. The key holds exactly the inputs of `readSpc` (every attribute but the per-pod keys of
 * the kubelet, the default mode and AWS_REGION), so a cached result is the one `readSpc` would
 * give, warnings included. Results are shared, so they are deeply frozen.
 * @throws ProviderError INVALID_ARGUMENT as `readSpc` does (failures are cached too)
 */
export function createSpcReader(options: SpcReaderOptions = {}) {
  const entries = createLruCache<{ spc: ValidatedSpc } | { error: unknown }>({
    maxEntries: options.maxEntries ?? 256,
    maxSize: options.maxCharacters ?? 4 * 1024 * 1024,
  });
  return (
    attributes: Readonly<Record<string, string>>,
    readOptions: SpcReadOptions,
  ): ValidatedSpc => {
    const spcAttributes = Object.entries(attributes)
      .filter(([name]) => !name.startsWith(podKeyPrefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([readOptions.defaultMode, readOptions.awsRegion, spcAttributes]);
    let entry = entries.get(key);
    if (entry === undefined) {
      try {
        const spc = deepFreeze(readSpc(attributes, readOptions));
        entry = { spc };
        if (spc.warnings.length > 0) readOptions.onWarnings?.(spc.warnings);
      } catch (error) {
        entry = { error };
      }
      // Parsing leaves about 0.9 KiB of garbage per YAML node (a large SPC: 100 MiB): collect
      // it now, rarely (once per distinct large SPC), so that a stream of them cannot pile up
      // towards the container's limit before the collector would get to it.
      if (key.length > largeSpcCharacters) Bun.gc(true);
      // The key holds the SPC's text, and a validated SPC about five times as much.
      entries.set(key, entry, { size: key.length });
    }
    if ("error" in entry) throw entry.error;
    return entry.spc;
  };
}

/** Freezes `value` and every plain object and array inside it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
