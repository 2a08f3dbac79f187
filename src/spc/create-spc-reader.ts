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
 * Results are shared: callers must not modify them.
 * @throws ProviderError INVALID_ARGUMENT as `readSpc` does (failures are cached too)
 */
export function createSpcReader(options: SpcReaderOptions = {}) {
  const maxEntries = options.maxEntries ?? 256;
  const entries = new Map<string, { spc: ValidatedSpc } | { error: unknown }>();
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
    if (entry) {
      entries.delete(key);
    } else {
      try {
        entry = { spc: readSpc(attributes, readOptions) };
      } catch (error) {
        entry = { error };
      }
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    }
    entries.set(key, entry);
    if ("error" in entry) throw entry.error;
    return entry.spc;
  };
}
