import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import type { AwsTransportConfig } from "../config.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { loadAwsSdk } from "./load-aws-sdk.ts";
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
  const requestHandler = new FetchHttpHandler({ keepAlive: true });
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
  // Building an SDK client costs more CPU than a cached mount, so clients live as long as the
  // credentials object they sign with (the credential cache keeps one per identity): a WeakMap
  // keyed by it lets them go with the credentials and can never hand them to another identity.
  const unsignedSts = new Map<string, StsApi>();
  const signedSts = new WeakMap<Redacted<AwsCredentials>, Map<string, StsApi>>();
  const regional = new WeakMap<Redacted<AwsCredentials>, Map<string, RegionalApis>>();
  const memo = <K extends object, V>(
    cache: WeakMap<K, Map<string, V>>,
    key: K,
    region: string,
    make: () => V,
  ) => {
    let byRegion = cache.get(key);
    if (!byRegion) {
      byRegion = new Map();
      cache.set(key, byRegion);
    }
    let value = byRegion.get(region);
    if (value === undefined) {
      value = make();
      byRegion.set(region, value);
    }
    return value;
  };
  const makeSts = (region: string, credentials: Redacted<AwsCredentials> | undefined) =>
    createStsApi(
      once(async () => {
        const { STSClient } = (await loadAwsSdk()).sts;
        return new STSClient({
          ...common(region, transport.stsEndpoint),
          // Without the pod's credentials only the unsigned web-identity exchange is possible; a
          // provider that throws keeps the SDK from ever resolving its default credential chain.
          credentials: credentials
            ? toSdkCredentials(credentials)
            : () => Promise.reject(new Error("the provider's own AWS credentials are never used")),
        });
      }),
    );
  return {
    sts(region, credentials) {
      if (credentials)
        return memo(signedSts, credentials, region, () => makeSts(region, credentials));
      let sts = unsignedSts.get(region);
      if (!sts) {
        sts = makeSts(region, undefined);
        unsignedSts.set(region, sts);
      }
      return sts;
    },
    forRegion(region, credentials) {
      return memo(regional, credentials, region, () => {
        const identity = toSdkCredentials(credentials);
        // Each client is built on its first call: many mounts need only one of the two services.
        return {
          secretsManager: createSecretsManagerApi(
            once(async () => {
              const { SecretsManagerClient } = (await loadAwsSdk()).secretsManager;
              return new SecretsManagerClient({
                ...common(region, transport.secretsManagerEndpoint),
                credentials: identity,
              });
            }),
          ),
          ssm: createSsmApi(
            once(async () => {
              const { SSMClient } = (await loadAwsSdk()).ssm;
              return new SSMClient({
                ...common(region, transport.ssmEndpoint),
                credentials: identity,
              });
            }),
          ),
        };
      });
    },
  };
}

/** `make()` on the first call, the same value afterwards. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

function toSdkCredentials(credentials: Redacted<AwsCredentials>) {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials.reveal();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
