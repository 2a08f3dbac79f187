import type { Credentials, STSClient } from "@aws-sdk/client-sts";
import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Code } from "../errors.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { AwsError, toAwsError } from "./aws-errors.ts";
import { loadAwsSdk } from "./load-aws-sdk.ts";

/** Input of {@link StsApi.assumeRoleWithWebIdentity}. */
export interface AssumeRoleWithWebIdentityInput {
  roleArn: string;
  /** Shows in CloudTrail: `<namespace>.<serviceaccount>`, sanitized. */
  sessionName: string;
  /** The pod's service-account token for the `sts.amazonaws.com` audience. */
  token: Redacted<string>;
}

/** Input of {@link StsApi.assumeRole}: cross-account chaining on top of the pod's identity. */
export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  externalId: string | undefined;
  durationSeconds: number | undefined;
}

/** The STS calls the provider makes (port). */
export interface StsApi {
  assumeRoleWithWebIdentity(
    input: AssumeRoleWithWebIdentityInput,
    options: CallOptions,
  ): Promise<AwsCredentials>;
  /** Signed with the credentials the client was created with (the pod's). */
  assumeRole(input: AssumeRoleInput, options: CallOptions): Promise<AwsCredentials>;
}

/**
 * Adapts an SDK `STSClient` bound to one region (regional STS endpoint). A client without
 * credentials can only make the unsigned web-identity exchange; one created with the pod's
 * credentials signs `AssumeRole` for chaining.
 * @throws AwsError for every failure, classified by {@link toStsError}
 */
export function createStsApi(client: () => Promise<STSClient>): StsApi {
  return {
    async assumeRole(input, options) {
      countAwsCall(options);
      try {
        const { AssumeRoleCommand } = (await loadAwsSdk()).sts;
        const output = await (await client()).send(
          new AssumeRoleCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.sessionName,
            ExternalId: input.externalId,
            DurationSeconds: input.durationSeconds,
          }),
          { abortSignal: options.signal },
        );
        return toAwsCredentials(output.Credentials);
      } catch (error) {
        throw toStsError(error);
      }
    },
    async assumeRoleWithWebIdentity(input, options) {
      countAwsCall(options);
      try {
        const { AssumeRoleWithWebIdentityCommand } = (await loadAwsSdk()).sts;
        const output = await (await client()).send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.sessionName,
            WebIdentityToken: input.token.reveal(),
          }),
          { abortSignal: options.signal },
        );
        return toAwsCredentials(output.Credentials);
      } catch (error) {
        throw toStsError(error);
      }
    },
  };
}

/**
 * Classifies a failed STS call as {@link toAwsError} does, except that STS rejecting the request
 * itself (a malformed role ARN, a duration the role does not allow) is FAILED_PRECONDITION: the
 * SecretProviderClass or the ServiceAccount's annotation is wrong, not the Mount request.
 */
export function toStsError(error: unknown): AwsError {
  const classified = toAwsError(error);
  if (classified.code !== Code.InvalidArgument) return classified;
  return new AwsError(Code.FailedPrecondition, classified, { cause: classified.cause });
}

/** Converts STS `Credentials`; an answer without them (never expected) is a server fault. */
function toAwsCredentials(credentials: Credentials | undefined): AwsCredentials {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new AwsError(Code.Internal, {
      awsCode: "InvalidResponse",
      awsMessage: "the answer holds no credentials",
      isServerSide: true,
    });
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}
