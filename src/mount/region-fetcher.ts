import type { RegionalApis } from "../aws/aws-apis.ts";
import { AwsError } from "../aws/aws-errors.ts";
import { type CachedValue, toValueKey, type ValueCache } from "../cache/value-cache.ts";
import { Code } from "../errors.ts";
import type { SecretDescriptor } from "../spc/secret-descriptor.ts";
import type { MountContext } from "./mount-context.ts";
import { createSecretBatcher } from "./secret-batcher.ts";
import { createSsmBatcher } from "./ssm-batcher.ts";

/** The outcome of fetching one object in one region. */
export type RegionOutcome =
  | { ok: true; value: CachedValue; region: string }
  | { ok: false; failure: AwsError; region: string };

/** Options of {@link createRegionFetcher}. */
export interface RegionFetcherOptions {
  region: string;
  apis: RegionalApis;
  /** Fetch `failoverObject` (when set) instead of the object itself. */
  isFailover: boolean;
  identityKey: string;
  valueCache: ValueCache;
  /** `--secretsmanager-batch`. */
  useSecretsBatch: boolean;
  mount: MountContext;
  /**
   * Makes the signal of batched AWS calls: a batch may serve several mounts (through the value
   * cache's coalescing), so it must not end with any single one of them. Called only when a batch
   * is really needed, so cached mounts create no timer.
   */
  newBatchSignal: () => AbortSignal;
}

/** Fetches objects from one region with the caches and batchers of one mount. */
export type RegionFetcher = (descriptor: SecretDescriptor) => Promise<RegionOutcome>;

/**
 * Creates the fetcher of one region: value cache first (per identity), then one GetSecretValue per
 * secret (or BatchGetSecretValue), and GetParameters batches for SSM. AWS failures (classified by
 * the adapters) become the outcome, and AccessDenied / NotFound drop the object's cache entry; it
 * rejects only with the mount signal's reason once that aborted, or on a bug.
 */
export function createRegionFetcher(options: RegionFetcherOptions): RegionFetcher {
  const { region, apis, mount } = options;
  // Batchers are made on first use: a mount served from the value cache needs none.
  let getParameter: ReturnType<typeof createSsmBatcher> | undefined;
  let getSecretBatched: ReturnType<typeof createSecretBatcher> | undefined;

  return async (descriptor) => {
    const wanted =
      options.isFailover && descriptor.failoverObject ? descriptor.failoverObject : descriptor;
    const isSecret = descriptor.objectType === "secretsmanager";
    const selector = wanted.objectVersion
      ? `:${wanted.objectVersion}`
      : wanted.objectVersionLabel
        ? `:${wanted.objectVersionLabel}`
        : "";
    const key = toValueKey({
      identityKey: options.identityKey,
      region,
      service: descriptor.objectType,
      objectId: wanted.objectName,
      // SM selectors name what they are: a version id and a stage could share a spelling.
      selector: isSecret
        ? `${wanted.objectVersion ?? ""}|${wanted.objectVersionLabel ?? ""}`
        : selector,
    });
    const cached = options.valueCache.peek(key, mount);
    if (cached !== undefined) return { ok: true, value: cached, region };
    const label = `objects[${descriptor.index}] "${wanted.objectName}" in "${region}"`;
    const batchOptions = () => ({ signal: options.newBatchSignal(), tally: mount.tally });
    const load = async (sharedSignal: AbortSignal) => {
      if (!isSecret) {
        getParameter ??= createSsmBatcher(apis.ssm, batchOptions());
        const parameter = await getParameter(`${wanted.objectName}${selector}`);
        return { bytes: parameter.bytes, version: parameter.version };
      }
      const isCurrent =
        wanted.objectVersion === undefined &&
        (wanted.objectVersionLabel ?? "AWSCURRENT") === "AWSCURRENT";
      if (options.useSecretsBatch && isCurrent) {
        getSecretBatched ??= createSecretBatcher(apis.secretsManager, batchOptions());
        const secret = await getSecretBatched(wanted.objectName);
        return { bytes: secret.bytes, version: secret.versionId };
      }
      const secret = await apis.secretsManager.getSecretValue(
        {
          secretId: wanted.objectName,
          versionId: wanted.objectVersion,
          versionStage: wanted.objectVersionLabel,
        },
        { signal: sharedSignal, tally: mount.tally },
      );
      return { bytes: secret.bytes, version: secret.versionId };
    };
    try {
      const value = await mount.during(label, options.valueCache.get(key, mount, load));
      return { ok: true, value, region };
    } catch (error) {
      if (mount.signal.aborted) throw mount.signal.reason;
      if (!(error instanceof AwsError)) throw error;
      if (error.code === Code.PermissionDenied || error.code === Code.NotFound)
        options.valueCache.delete(key);
      return { ok: false, failure: error, region };
    }
  };
}
