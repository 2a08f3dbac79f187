/** The six parts of an Amazon Resource Name. */
export interface Arn {
  /** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, ... */
  partition: string;
  /** `secretsmanager`, `ssm`, `iam`, ... */
  service: string;
  /** Empty for global services such as IAM. */
  region: string;
  /** Empty for a few services; 12 digits otherwise. */
  accountId: string;
  /** Everything after the fifth colon; may itself contain `:` and `/` (`secret:db/creds-AbCdEf`). */
  resource: string;
}

/**
 * Splits `arn:<partition>:<service>:<region>:<account>:<resource>` into its parts.
 * Partition, service and resource must be non-empty; region and account may be empty, as for any
 * ARN. Service-specific rules (a Secrets Manager ARN needs a region) belong to the caller.
 * Returns `undefined` for anything that is not shaped like an ARN.
 */
export function parseArn(text: string): Arn | undefined {
  const parts = text.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition = "", service = "", region = "", accountId = ""] = parts;
  const resource = parts.slice(5).join(":");
  if (partition === "" || service === "" || resource === "") return undefined;
  return { partition, service, region, accountId, resource };
}
