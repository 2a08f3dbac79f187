import type { RegionalApis } from "../aws/aws-apis.ts";
import { type AwsFailure, classifyAwsError } from "../aws/aws-errors.ts";
import type { SsmParameterValue } from "../aws/ssm.ts";
import { Code, ProviderError } from "../errors.ts";
import type { Redacted } from "../redacted.ts";
import type { SecretDescriptor } from "./secret-descriptor.ts";
import { createSsmBatcher } from "./ssm-batcher.ts";

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
  /** IAM role of the identity, for hints in error messages. */
  roleArn: string;
  secretProviderClass: string;
  signal: AbortSignal;
}

type Outcome =
  | { ok: true; value: FetchedSecret }
  | { ok: false; region: string; failure: AwsFailure };

interface ObjectFailure {
  descriptor: SecretDescriptor;
  region: string;
  failure: AwsFailure;
}

/**
 * Fetches every object concurrently (SSM names batched ≤10 per call), with failover per SPEC §5.5.
 * All or nothing: the result holds every object in SPC order, or it throws.
 * @throws ProviderError listing every failed object with region, AWS error code, message and a hint
 */
export async function fetchSecrets(
  descriptors: readonly SecretDescriptor[],
  options: FetchSecretsOptions,
): Promise<FetchedSecret[]> {
  const fetchers = new Map<string, RegionFetcher>();
  const fetcherFor = (target: RegionTarget, isFailover: boolean) => {
    const key = `${target.region}/${isFailover}`;
    let fetcher = fetchers.get(key);
    if (!fetcher) {
      fetcher = createRegionFetcher(target, isFailover, options.signal);
      fetchers.set(key, fetcher);
    }
    return fetcher;
  };

  const outcomes = await Promise.all(
    descriptors.map((descriptor) => {
      const primary = () => fetcherFor(options.primary, false)(descriptor);
      const { failover } = options;
      if (failover === undefined) return primary();
      const secondary = () => fetcherFor(failover, true)(descriptor);
      return options.failoverStrategy === "parallel"
        ? Promise.all([primary(), secondary()]).then(([p, s]) => chooseOutcome(p, s))
        : primary().then((p) =>
            p.ok || !p.failure.isServerSide ? p : secondary().then((s) => chooseOutcome(p, s)),
          );
    }),
  );

  const failures: ObjectFailure[] = [];
  const fetched: FetchedSecret[] = [];
  outcomes.forEach((outcome, index) => {
    const descriptor = descriptors[index] as SecretDescriptor;
    if (outcome.ok) fetched.push(outcome.value);
    else failures.push({ descriptor, region: outcome.region, failure: outcome.failure });
  });
  if (failures.length > 0) throw toFetchError(failures, descriptors.length, options);
  return fetched;
}

/**
 * SPEC §5.5: both succeed → primary; a client error in either → that error; one server-side
 * failure → the other region's answer.
 */
function chooseOutcome(primary: Outcome, failover: Outcome): Outcome {
  if (!primary.ok && !primary.failure.isServerSide) return primary;
  if (!failover.ok && !failover.failure.isServerSide) return failover;
  if (primary.ok) return primary;
  return failover;
}

type RegionFetcher = (descriptor: SecretDescriptor) => Promise<Outcome>;

function createRegionFetcher(
  target: RegionTarget,
  isFailover: boolean,
  signal: AbortSignal,
): RegionFetcher {
  const getParameter = createSsmBatcher(target.apis.ssm, signal);
  return async (descriptor) => {
    const wanted = isFailover && descriptor.failoverObject ? descriptor.failoverObject : descriptor;
    try {
      if (descriptor.objectType === "secretsmanager") {
        const value = await target.apis.secretsManager.getSecretValue(
          {
            secretId: wanted.objectName,
            versionId: wanted.objectVersion,
            versionStage: wanted.objectVersionLabel,
          },
          { signal },
        );
        return ok(descriptor, value.bytes, value.versionId, target.region);
      }
      const selector = wanted.objectVersion
        ? `:${wanted.objectVersion}`
        : wanted.objectVersionLabel
          ? `:${wanted.objectVersionLabel}`
          : "";
      const parameter: SsmParameterValue = await getParameter(`${wanted.objectName}${selector}`);
      return ok(descriptor, parameter.bytes, parameter.version, target.region);
    } catch (error) {
      const failure: AwsFailure = signal.aborted
        ? {
            code: Code.DeadlineExceeded,
            awsCode: "DeadlineExceeded",
            message: "no answer before the mount deadline",
            isServerSide: true,
          }
        : classifyAwsError(error);
      return { ok: false, region: target.region, failure };
    }
  };
}

function ok(
  descriptor: SecretDescriptor,
  bytes: Redacted<Uint8Array>,
  version: string,
  region: string,
): Outcome {
  return { ok: true, value: { descriptor, bytes, version, region } };
}

// The code the user must act on first wins when objects fail for different reasons.
const codePriority: Code[] = [
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
  Code.DeadlineExceeded,
  Code.Internal,
];

function toFetchError(
  failures: readonly ObjectFailure[],
  total: number,
  options: FetchSecretsOptions,
): ProviderError {
  const code =
    codePriority.find((c) => failures.some((f) => f.failure.code === c)) ?? Code.Internal;
  const spc = options.secretProviderClass
    ? ` of SecretProviderClass "${options.secretProviderClass}"`
    : "";
  const lines = failures.map(({ descriptor, region, failure }) => {
    const service =
      descriptor.objectType === "secretsmanager" ? "Secrets Manager" : "SSM Parameter Store";
    const hint = toHint(descriptor, failure, options.roleArn);
    return `objects[${descriptor.index}] "${descriptor.objectName}" (${service} in "${region}"): ${failure.awsCode}: ${failure.message}${hint ? `; ${hint}` : ""}`;
  });
  const reason =
    failures.length === 1 ? (failures[0]?.failure.awsCode ?? "FetchFailed") : "FetchFailed";
  return new ProviderError(
    code,
    `Cannot fetch ${failures.length} of ${total} objects${spc}:\n${lines.join("\n")}`,
    {
      reason,
    },
  );
}

function toHint(descriptor: SecretDescriptor, failure: AwsFailure, roleArn: string): string {
  const isSecret = descriptor.objectType === "secretsmanager";
  switch (failure.code) {
    case Code.PermissionDenied:
      if (/kms|decrypt/i.test(`${failure.awsCode} ${failure.message}`)) {
        return `allow "kms:Decrypt" on the object's KMS key for role "${roleArn}"`;
      }
      return `allow "${isSecret ? "secretsmanager:GetSecretValue" : "ssm:GetParameters"}" on this ${isSecret ? "secret" : "parameter"} for role "${roleArn}"`;
    case Code.NotFound:
      return "check objectName, objectVersion / objectVersionLabel and the region";
    case Code.DeadlineExceeded:
      return "AWS did not answer in time; check network access to the AWS endpoints from the node";
    default:
      return "";
  }
}
