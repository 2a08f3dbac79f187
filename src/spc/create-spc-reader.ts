import { createLruCache } from "../cache/lru-cache.ts";
import { attributeKeys } from "./attribute-keys.ts";
import { parameterKeys } from "./parse-parameters.ts";
import { type ReadSpcOptions, readSpc, type ValidatedSpc } from "./read-spc.ts";

/** Options of {@link createSpcReader}. */
export interface SpcReaderOptions {
  /** Validated SecretProviderClasses kept. @default 256 */
  maxEntries?: number;
}

/**
 * `readSpc` with a small LRU in front. Every pod of a Deployment, and every rotation remount,
 * sends the same SecretProviderClass: parsing its YAML once saves most of a cached mount's CPU and
 * garbage. The key holds exactly the inputs of `readSpc` (the SPC parameters, its name, the default
 * mode and AWS_REGION), never pod attributes, so a cached result is the one `readSpc` would give.
 * Results are shared, so they are deeply frozen.
 * @throws ProviderError INVALID_ARGUMENT as `readSpc` does (failures are cached too)
 */
export function createSpcReader(options: SpcReaderOptions = {}) {
  const entries = createLruCache<{ spc: ValidatedSpc } | { error: unknown }>({
    maxEntries: options.maxEntries ?? 256,
  });
  return (
    attributes: Readonly<Record<string, string>>,
    readOptions: ReadSpcOptions,
  ): ValidatedSpc => {
    const key = JSON.stringify([
      attributes[attributeKeys.secretProviderClass],
      readOptions.defaultMode,
      readOptions.awsRegion,
      ...Object.values(parameterKeys).map((name) => attributes[name]),
    ]);
    let entry = entries.get(key);
    if (entry === undefined) {
      try {
        entry = { spc: deepFreeze(readSpc(attributes, readOptions)) };
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
