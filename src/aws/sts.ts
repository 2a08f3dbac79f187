import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  type Credentials,
  type STSClient,
} from "@aws-sdk/client-sts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";

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
    options: { signal: AbortSignal },
  ): Promise<AwsCredentials>;
  /** Signed with the credentials the client was created with (the pod's). */
  assumeRole(input: AssumeRoleInput, options: { signal: AbortSignal }): Promise<AwsCredentials>;
}

/**
 * Adapts an SDK `STSClient` bound to one region (regional STS endpoint). A client without
 * credentials can only make the unsigned web-identity exchange; one created with the pod's
 * credentials signs `AssumeRole` for chaining.
 */
export function createStsApi(client: STSClient): StsApi {
  return {
    async assumeRole(input, { signal }) {
      const output = await client.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.sessionName,
          ExternalId: input.externalId,
          DurationSeconds: input.durationSeconds,
        }),
        { abortSignal: signal },
      );
      return toAwsCredentials(output.Credentials, "AssumeRole");
    },
    async assumeRoleWithWebIdentity(input, { signal }) {
      const output = await client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.sessionName,
          WebIdentityToken: input.token.reveal(),
        }),
        { abortSignal: signal },
      );
      return toAwsCredentials(output.Credentials, "AssumeRoleWithWebIdentity");
    },
  };
}

/** Converts STS `Credentials`; throws when STS answered without them (never expected). */
export function toAwsCredentials(
  credentials: Credentials | undefined,
  operation: string,
): AwsCredentials {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new Error(`STS ${operation} returned no credentials`);
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}
