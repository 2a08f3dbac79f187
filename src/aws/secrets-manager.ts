import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Code } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { AwsError } from "./aws-errors.ts";
import type { AwsClient } from "./client/aws-client.ts";
import { jsonRequest } from "./client/json-protocol.ts";
import { records, text } from "./client/read-answer.ts";

/** Input of {@link SecretsManagerApi.getSecretValue}. */
export interface GetSecretValueInput {
  /** Name or ARN. */
  secretId: string;
  versionId: string | undefined;
  versionStage: string | undefined;
}

/** One version of a secret; the bytes are SecretString as UTF-8 or SecretBinary as is. */
export interface SecretValue {
  arn: string;
  name: string;
  versionId: string;
  bytes: Redacted<Uint8Array>;
}

/** A per-secret failure inside a successful BatchGetSecretValue answer. */
export interface BatchSecretError {
  /** The id as requested. */
  secretId: string;
  /** AWS error code, e.g. `ResourceNotFoundException`. */
  errorCode: string;
  message: string;
}

/** The answer of one BatchGetSecretValue call. */
export interface BatchGetSecretValueResult {
  values: SecretValue[];
  errors: BatchSecretError[];
}

/** The Secrets Manager calls the provider makes (port). */
export interface SecretsManagerApi {
  getSecretValue(input: GetSecretValueInput, options: CallOptions): Promise<SecretValue>;
  /** The AWSCURRENT values of at most 20 secrets (names or ARNs) in one call. */
  batchGetSecretValue(
    secretIds: readonly string[],
    options: CallOptions,
  ): Promise<BatchGetSecretValueResult>;
}

/** The `X-Amz-Target` prefix of the service. */
const target = "secretsmanager";

/**
 * Adapts a lean Secrets Manager client (bound to a region and credentials), obtained from
 * `client()` on each call so that it can be built lazily (with the SDK pieces it is made of).
 * @throws AwsError for every failure, classified where it was caught
 */
export function createSecretsManagerApi(client: () => Promise<AwsClient>): SecretsManagerApi {
  return {
    async getSecretValue(input, options) {
      countAwsCall(options);
      const output = await (await client()).send(
        jsonRequest(target, "GetSecretValue", {
          SecretId: input.secretId,
          VersionId: input.versionId,
          VersionStage: input.versionStage,
        }),
        options,
      );
      return toSecretValue(output, input.secretId);
    },
    async batchGetSecretValue(secretIds, options) {
      countAwsCall(options);
      const output = await (await client()).send(
        jsonRequest(target, "BatchGetSecretValue", { SecretIdList: secretIds }),
        options,
      );
      return {
        values: records(output["SecretValues"]).map((value) =>
          toSecretValue(value, text(value["Name"]) ?? ""),
        ),
        errors: records(output["Errors"]).map((error) => ({
          secretId: text(error["SecretId"]) ?? "",
          errorCode: text(error["ErrorCode"]) ?? "UnknownError",
          message: text(error["Message"]) ?? "no message",
        })),
      };
    },
  };
}

const encoder = new TextEncoder();

/** One secret version of an answer: SecretString as UTF-8, or SecretBinary (base64 on the wire). */
function toSecretValue(output: Record<string, unknown>, secretId: string): SecretValue {
  const secretString = text(output["SecretString"]);
  const secretBinary = text(output["SecretBinary"]);
  let bytes: Uint8Array;
  if (secretString !== undefined) bytes = encoder.encode(secretString);
  else if (secretBinary !== undefined) bytes = Uint8Array.from(Buffer.from(secretBinary, "base64"));
  else
    throw new AwsError(Code.Internal, {
      awsCode: "InvalidResponse",
      awsMessage: `the answer for "${secretId}" holds neither SecretString nor SecretBinary`,
      isServerSide: true,
    });
  return {
    arn: text(output["ARN"]) ?? secretId,
    name: text(output["Name"]) ?? secretId,
    versionId: text(output["VersionId"]) ?? "",
    bytes: new Redacted(bytes),
  };
}
