import { createLruCache } from "../cache/lru-cache.ts";
import { type ReadSpcOptions, readSpc, type ValidatedSpc } from "./read-spc.ts";
import type { Problem } from "./secret-descriptor.ts";

/** Options of {@link createSpcReader}. */
export interface SpcReaderOptions {
  /** Validated SecretProviderClasses kept. @default 256 */
  maxEntries?: number;
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
      entries.set(key, entry);
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
