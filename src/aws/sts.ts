import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Code } from "../errors.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { AwsError, toAwsError } from "./aws-errors.ts";
import type { AwsClient, AwsRequest } from "./client/aws-client.ts";
import { queryRequest, readXmlText } from "./client/query-protocol.ts";

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
 * Adapts a lean STS client bound to one region (regional STS endpoint), built lazily by
 * `client()`. A client without credentials can only make the unsigned web-identity exchange; one
 * created with the pod's credentials signs `AssumeRole` for chaining.
 * @throws AwsError for every failure, classified by {@link toStsError}
 */
export function createStsApi(client: () => Promise<AwsClient>): StsApi {
  const send = async (request: AwsRequest<AwsCredentials>, options: CallOptions) => {
    countAwsCall(options);
    try {
      return await (await client()).send(request, options);
    } catch (error) {
      if (options.signal.aborted) throw error;
      throw toStsError(error);
    }
  };
  return {
    assumeRole: (input, options) =>
      send(
        queryRequest(
          "AssumeRole",
          {
            RoleArn: input.roleArn,
            RoleSessionName: input.sessionName,
            ExternalId: input.externalId,
            DurationSeconds: input.durationSeconds?.toString(),
          },
          readCredentials,
        ),
        options,
      ),
    assumeRoleWithWebIdentity: (input, options) =>
      send(
        queryRequest(
          "AssumeRoleWithWebIdentity",
          {
            RoleArn: input.roleArn,
            RoleSessionName: input.sessionName,
            WebIdentityToken: input.token.reveal(),
          },
          readCredentials,
        ),
        options,
      ),
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

/**
 * The `<Credentials>` of an AssumeRole or AssumeRoleWithWebIdentity answer; an answer without
 * them (never expected) is a server fault.
 */
function readCredentials(xml: string): AwsCredentials | undefined {
  const credentials = readXmlText(xml, "Credentials");
  if (credentials === undefined) return undefined;
  const accessKeyId = readXmlText(credentials, "AccessKeyId");
  const secretAccessKey = readXmlText(credentials, "SecretAccessKey");
  if (!accessKeyId || !secretAccessKey) {
    throw new AwsError(Code.Internal, {
      awsCode: "InvalidResponse",
      awsMessage: "the answer holds no credentials",
      isServerSide: true,
    });
  }
  const expiration = readXmlText(credentials, "Expiration");
  const expiresAt = expiration === undefined ? Number.NaN : Date.parse(expiration);
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken: readXmlText(credentials, "SessionToken") || undefined,
    expiration: Number.isNaN(expiresAt) ? undefined : new Date(expiresAt),
  };
}
