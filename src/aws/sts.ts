import {
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

/** The STS calls the provider makes (port). */
export interface StsApi {
  assumeRoleWithWebIdentity(
    input: AssumeRoleWithWebIdentityInput,
    options: { signal: AbortSignal },
  ): Promise<AwsCredentials>;
}

/** Adapts an SDK `STSClient` bound to the pod's region (regional STS endpoint). */
export function createStsApi(client: STSClient): StsApi {
  return {
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
