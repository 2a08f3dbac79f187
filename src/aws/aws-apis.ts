import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsTransportConfig } from "../config.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { createSecretsManagerApi, type SecretsManagerApi } from "./secrets-manager.ts";
import { createSsmApi, type SsmApi } from "./ssm.ts";
import { createStsApi, type StsApi } from "./sts.ts";

/** The AWS services of one region, signed with one pod identity's credentials. */
export interface RegionalApis {
  secretsManager: SecretsManagerApi;
  ssm: SsmApi;
}

/**
 * Factory of AWS ports. Credentials differ per pod, so clients are made per (region, credentials);
 * only the connection pool is shared.
 */
export interface AwsApis {
  /**
   * STS of `region`. Without credentials it never signs (web-identity exchange only); with the
   * pod's credentials it signs `AssumeRole` for cross-account chaining.
   */
  sts(region: string, credentials?: Redacted<AwsCredentials>): StsApi;
  forRegion(region: string, credentials: Redacted<AwsCredentials>): RegionalApis;
}

/**
 * Creates the real SDK v3 adapters. Every client gets its region, credentials, endpoint and retry
 * settings explicitly, so the SDK never consults the provider's own environment credentials,
 * shared config files or IMDS (SPEC §4).
 */
export function createAwsApis(transport: AwsTransportConfig): AwsApis {
  const requestHandler = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
  };
  const common = (region: string, endpoint: string | undefined) => ({
    region,
    requestHandler,
    useFipsEndpoint: transport.useFipsEndpoint,
    useDualstackEndpoint: transport.useDualstackEndpoint,
    userAgentAppId: transport.userAgentAppId,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(transport.maxAttempts === undefined ? {} : { maxAttempts: transport.maxAttempts }),
    ...(transport.retryMode === undefined ? {} : { retryMode: transport.retryMode }),
  });
  return {
    sts(region, credentials) {
      // Without the pod's credentials only the unsigned web-identity exchange is possible; a
      // provider that throws keeps the SDK from ever resolving its default credential chain.
      const client = new STSClient({
        ...common(region, transport.stsEndpoint),
        credentials: credentials
          ? toSdkCredentials(credentials)
          : () => Promise.reject(new Error("the provider's own AWS credentials are never used")),
      });
      return createStsApi(client);
    },
    forRegion(region, credentials) {
      const identity = toSdkCredentials(credentials);
      return {
        secretsManager: createSecretsManagerApi(
          new SecretsManagerClient({
            ...common(region, transport.secretsManagerEndpoint),
            credentials: identity,
          }),
        ),
        ssm: createSsmApi(
          new SSMClient({ ...common(region, transport.ssmEndpoint), credentials: identity }),
        ),
      };
    },
  };
}

function toSdkCredentials(credentials: Redacted<AwsCredentials>) {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials.reveal();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
