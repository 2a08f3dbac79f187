import type { RegionalApis } from "../aws/aws-apis.ts";
import type { ValueCache } from "../cache/value-cache.ts";
import type { Redacted } from "../redacted.ts";
import type { SecretDescriptor } from "../spc/secret-descriptor.ts";
import type { MountContext } from "./mount-context.ts";
import { createRegionFetcher, type RegionOutcome } from "./region-fetcher.ts";
import { type ObjectFailure, type RegionFailure, toFetchError } from "./to-fetch-error.ts";

/** The value of one object, from whichever region answered. */
export interface FetchedSecret {
  descriptor: SecretDescriptor;
  bytes: Redacted<Uint8Array>;
  /** SM `VersionId` or SSM version number as text. */
  version: string;
  region: string;
}

/** A region to fetch from, with the pod identity's clients for it. */
export interface RegionTarget {
  region: string;
  apis: RegionalApis;
}

/** Options of {@link fetchSecrets}. */
export interface FetchSecretsOptions {
  primary: RegionTarget;
  /** Set when the SPC has a `failoverRegion`. */
  failover: RegionTarget | undefined;
  /** `parallel` asks both regions at once; `on-error` asks the failover only after a server-side failure. */
  failoverStrategy: "parallel" | "on-error";
  /** Identity key of the credentials (value cache entries belong to it). */
  identityKey: string;
  /** Who AWS sees, for hints: `role "arn:…"`. */
  principal: string;
  secretProviderClass: string;
  valueCache: ValueCache;
  useSecretsBatch: boolean;
  mount: MountContext;
  /** Makes the signal of batched calls that may serve several mounts; see `RegionFetcherOptions`. */
  newBatchSignal: () => AbortSignal;
}

/**
 * Fetches every object concurrently (SSM batched ≤10 per call, Secrets Manager optionally ≤20),
 * with failover per SPEC §5.5. All or nothing: the result holds every object in SPC order, or it
 * throws.
 * @throws ProviderError listing every failed object with region, AWS error code, message and a hint
 */
export async function fetchSecrets(
  descriptors: readonly SecretDescriptor[],
  options: FetchSecretsOptions,
): Promise<FetchedSecret[]> {
  const fetcher = (target: RegionTarget, isFailover: boolean) =>
    createRegionFetcher({ ...options, region: target.region, apis: target.apis, isFailover });
  const fromPrimary = fetcher(options.primary, false);
  const fromFailover = options.failover ? fetcher(options.failover, true) : undefined;

  const outcomes = await Promise.all(
    descriptors.map(async (descriptor): Promise<ObjectOutcome> => {
      if (fromFailover === undefined) return toObjectOutcome(await fromPrimary(descriptor));
      if (options.failoverStrategy === "parallel") {
        const [primary, failover] = await Promise.all([
          fromPrimary(descriptor),
          fromFailover(descriptor),
        ]);
        return chooseOutcome(primary, failover);
      }
      const primary = await fromPrimary(descriptor);
      if (primary.ok || !primary.failure.isServerSide) return toObjectOutcome(primary);
      return chooseOutcome(primary, await fromFailover(descriptor));
    }),
  );

  const failures: ObjectFailure[] = [];
  const fetched: FetchedSecret[] = [];
  outcomes.forEach((outcome, index) => {
    const descriptor = descriptors[index] as SecretDescriptor;
    if (outcome.ok) fetched.push({ descriptor, ...outcome.value, region: outcome.region });
    else failures.push({ descriptor, failed: outcome.failed });
  });
  if (failures.length > 0) {
    throw toFetchError(failures, {
      total: descriptors.length,
      principal: options.principal,
      secretProviderClass: options.secretProviderClass,
    });
  }
  return fetched;
}

/** An object's value from one region, or why every region asked could not give it. */
type ObjectOutcome = Extract<RegionOutcome, { ok: true }> | { ok: false; failed: RegionFailure[] };

function toObjectOutcome(outcome: RegionOutcome): ObjectOutcome {
  return outcome.ok ? outcome : { ok: false, failed: [outcome] };
}

/**
 * SPEC §5.5: both succeed → primary; a client error in either → that error; a server-side
 * failure in one → the other region's answer; server-side failures in both → both, so the
 * message names each region.
 */
function chooseOutcome(primary: RegionOutcome, failover: RegionOutcome): ObjectOutcome {
  if (!primary.ok && !primary.failure.isServerSide) return toObjectOutcome(primary);
  if (!failover.ok && !failover.failure.isServerSide) return toObjectOutcome(failover);
  if (primary.ok) return primary;
  if (failover.ok) return failover;
  return { ok: false, failed: [primary, failover] };
}
