import type {
  BatchGetSecretValueCommandOutput,
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Code } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { AwsError, toAwsError } from "./aws-errors.ts";
import { loadAwsSdk } from "./load-aws-sdk.ts";

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

/** The Secrets Manager calls the provider makes (port; the adapter below uses SDK v3). */
export interface SecretsManagerApi {
  getSecretValue(input: GetSecretValueInput, options: CallOptions): Promise<SecretValue>;
  /** The AWSCURRENT values of at most 20 secrets (names or ARNs) in one call. */
  batchGetSecretValue(
    secretIds: readonly string[],
    options: CallOptions,
  ): Promise<BatchGetSecretValueResult>;
}

/**
 * Adapts an SDK `SecretsManagerClient` (bound to a region and credentials), obtained from
 * `client()` on each call so that it can be built lazily (with the SDK itself, {@link loadAwsSdk}).
 * @throws AwsError for every failure, classified by {@link toAwsError}
 */
export function createSecretsManagerApi(
  client: () => Promise<SecretsManagerClient>,
): SecretsManagerApi {
  return {
    async getSecretValue(input, options) {
      countAwsCall(options);
      let output: GetSecretValueCommandOutput;
      try {
        const { GetSecretValueCommand } = (await loadAwsSdk()).secretsManager;
        output = await (await client()).send(
          new GetSecretValueCommand({
            SecretId: input.secretId,
            VersionId: input.versionId,
            VersionStage: input.versionStage,
          }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        throw toAwsError(error);
      }
      return toSecretValue(output, input.secretId);
    },
    async batchGetSecretValue(secretIds, options) {
      countAwsCall(options);
      let output: BatchGetSecretValueCommandOutput;
      try {
        const { BatchGetSecretValueCommand } = (await loadAwsSdk()).secretsManager;
        output = await (await client()).send(
          new BatchGetSecretValueCommand({ SecretIdList: [...secretIds] }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        throw toAwsError(error);
      }
      return {
        values: (output.SecretValues ?? []).map((value) => toSecretValue(value, value.Name ?? "")),
        errors: (output.Errors ?? []).map((error) => ({
          secretId: error.SecretId ?? "",
          errorCode: error.ErrorCode ?? "UnknownError",
          message: error.Message ?? "no message",
        })),
      };
    },
  };
}

const encoder = new TextEncoder();

function toSecretValue(
  output: Pick<
    GetSecretValueCommandOutput,
    "ARN" | "Name" | "VersionId" | "SecretString" | "SecretBinary"
  >,
  secretId: string,
): SecretValue {
  let bytes: Uint8Array;
  if (output.SecretString !== undefined) bytes = encoder.encode(output.SecretString);
  else if (output.SecretBinary !== undefined) bytes = output.SecretBinary;
  else
    throw new AwsError(Code.Internal, {
      awsCode: "InvalidResponse",
      awsMessage: `the answer for "${secretId}" holds neither SecretString nor SecretBinary`,
      isServerSide: true,
    });
  return {
    arn: output.ARN ?? secretId,
    name: output.Name ?? secretId,
    versionId: output.VersionId ?? "",
    bytes: new Redacted(bytes),
  };
}
