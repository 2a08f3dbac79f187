import type { AwsError } from "../aws/aws-errors.ts";
import { Code, ProviderError } from "../errors.ts";
import type { SecretDescriptor } from "../spc/secret-descriptor.ts";

/** One object that could not be fetched. */
export interface ObjectFailure {
  descriptor: SecretDescriptor;
  region: string;
  failure: AwsError;
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
 * One error for a failed fetch (SPEC §7): every failed object on its own line with region, AWS
 * error code and message, plus a hint (the IAM action to allow, what to check).
 */
export function toFetchError(
  failures: readonly ObjectFailure[],
  context: { total: number; principal: string; secretProviderClass: string },
): ProviderError {
  const code =
    codePriority.find((c) => failures.some((f) => f.failure.code === c)) ?? Code.Internal;
  const spc = context.secretProviderClass
    ? ` of SecretProviderClass "${context.secretProviderClass}"`
    : "";
  const lines = failures.map(({ descriptor, region, failure }) => {
    const service =
      descriptor.objectType === "secretsmanager" ? "Secrets Manager" : "SSM Parameter Store";
    const hint = toHint(descriptor, failure, context.principal);
    return `objects[${descriptor.index}] "${descriptor.objectName}" (${service} in "${region}"): ${failure.message}${hint ? `; ${hint}` : ""}`;
  });
  const reason =
    failures.length === 1 ? (failures[0]?.failure.awsCode ?? "FetchFailed") : "FetchFailed";
  return new ProviderError(
    code,
    `Cannot fetch ${failures.length} of ${context.total} objects${spc}:\n${lines.join("\n")}`,
    {
      reason,
    },
  );
}

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
