import type { AwsError } from "../aws/aws-errors.ts";
import { Code, ProviderError } from "../errors.ts";
import { joinWithin } from "../join-within.ts";
import type { SecretDescriptor } from "../spc/secret-descriptor.ts";

/** Why one region could not give an object. */
export interface RegionFailure {
  region: string;
  failure: AwsError;
}

/** One object that could not be fetched: one failure, or one per region when both failed. */
export interface ObjectFailure {
  descriptor: SecretDescriptor;
  failed: readonly RegionFailure[];
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

/**
 * One error for a failed fetch (SPEC §7): each failed object on its own line with region, AWS
 * error code and message, plus a hint (the IAM action to allow, what to check), within a few KiB
 * (the first objects, then how many more). The AWS errors themselves are the cause, for the log.
 */
export function toFetchError(
  failures: readonly ObjectFailure[],
  context: { total: number; principal: string; secretProviderClass: string },
): ProviderError {
  const all = failures.flatMap(({ failed }) => failed.map((f) => f.failure));
  const code = codePriority.find((c) => all.some((f) => f.code === c)) ?? Code.Internal;
  const spc = context.secretProviderClass
    ? ` of SecretProviderClass "${context.secretProviderClass}"`
    : "";
  const lines = failures.flatMap(({ descriptor, failed }) => {
    const service =
      descriptor.objectType === "secretsmanager" ? "Secrets Manager" : "SSM Parameter Store";
    return failed.map(({ region, failure }) => {
      const hint = toHint(descriptor, failure, context.principal);
      return `objects[${descriptor.index}] "${descriptor.objectName}" (${service} in "${region}"): ${failure.message}${hint ? `; ${hint}` : ""}`;
    });
  });
  const reason = all.length === 1 ? (all[0]?.awsCode ?? "FetchFailed") : "FetchFailed";
  const title = `Cannot fetch ${failures.length} of ${context.total} objects${spc}:`;
  return new ProviderError(
    code,
    joinWithin([title, ...lines], {
      more: (omitted) => `… and ${omitted} more failures`,
    }),
    { reason, cause: new AggregateError(all.slice(0, maxLoggedCauses), "AWS errors") },
  );
}

/** AWS errors kept as the cause of a fetch error, for the log line (each has its request id). */
const maxLoggedCauses = 5;

function toHint(descriptor: SecretDescriptor, failure: AwsError, principal: string): string {
  const isSecret = descriptor.objectType === "secretsmanager";
  switch (failure.code) {
    case Code.PermissionDenied:
      if (/kms|decrypt/i.test(failure.message)) {
        return `allow "kms:Decrypt" on the object's KMS key for ${principal}`;
      }
      return `allow "${isSecret ? "secretsmanager:GetSecretValue" : "ssm:GetParameters"}" on this ${isSecret ? "secret" : "parameter"} for ${principal}`;
    case Code.NotFound:
      return "check objectName, objectVersion / objectVersionLabel and the region";
    case Code.Unauthenticated:
      return "AWS rejected the pod's credentials; the next mount fetches new ones";
    case Code.DeadlineExceeded:
      return "AWS did not answer in time; check network access to the AWS endpoints from the node";
    default:
      return "";
  }
}
