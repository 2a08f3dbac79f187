import { attributeKeys } from "./attribute-keys.ts";
import { parameterKeys } from "./parse-parameters.ts";
import { type ReadSpcOptions, readSpc, type ValidatedSpc } from "./read-spc.ts";

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
  const maxCharacters = options.maxCharacters ?? 4 * 1024 * 1024;
  const entries = new Map<string, { spc: ValidatedSpc } | { error: unknown }>();
  let characters = 0;
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
      // Parsing leaves about 0.9 KiB of garbage per YAML node (a large SPC: 100 MiB): collect
      // it now, rarely (once per distinct large SPC), so that a stream of them cannot pile up
      // towards the container's limit before the collector would get to it.
      if (key.length > largeSpcCharacters) Bun.gc(true);
      if (key.length > maxCharacters) {
        if ("error" in entry) throw entry.error;
        return entry.spc;
      }
      characters += key.length;
      for (const oldest of entries.keys()) {
        if (entries.size < maxEntries && characters <= maxCharacters) break;
        entries.delete(oldest);
        characters -= oldest.length;
      }
    }
    entries.set(key, entry);
    if ("error" in entry) throw entry.error;
    return entry.spc;
  };
}
