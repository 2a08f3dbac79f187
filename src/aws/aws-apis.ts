import type { RetryStrategyV2 } from "@smithy/types";
import type { AwsTransportConfig } from "../config.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { type AwsClient, type AwsClientParts, createAwsClient } from "./client/aws-client.ts";
import { type AwsService, createEndpointResolver } from "./client/resolve-endpoint.ts";
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
 * only the connection pool (fetch's) is shared.
 */
export interface AwsApis {
  /**
   * STS of `region`. Without credentials it never signs (web-identity exchange only); with the
   * pod's credentials it signs `AssumeRole` for cross-account chaining.
   */
  sts(region: string, credentials?: Redacted<AwsCredentials>): StsApi;
  forRegion(region: string, credentials: Redacted<AwsCredentials>): RegionalApis;
}

/** SigV4 signing names of the services. */
const signingNames: Record<AwsService, string> = {
  secretsManager: "secretsmanager",
  ssm: "ssm",
  sts: "sts",
};

/**
 * Creates the real adapters over lean clients of the SDK's own pieces (`client/aws-client.ts`).
 * Every client gets its region, credentials, endpoint and retry settings explicitly, so nothing
 * ever consults the provider's own environment credentials, shared config files or IMDS (SPEC §4).
 */
export function createAwsApis(transport: AwsTransportConfig): AwsApis {
  const endpointOf = createEndpointResolver(transport);
  const parts = once(async (): Promise<AwsClientParts> => {
    const sdk = await loadAwsSdk();
    const { AdaptiveRetryStrategy, StandardRetryStrategy, DEFAULT_MAX_ATTEMPTS } = sdk.retry;
    const maxAttempts = transport.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    return {
      createRetryStrategy: (): RetryStrategyV2 =>
        transport.retryMode === "adaptive"
          ? new AdaptiveRetryStrategy(maxAttempts)
          : new StandardRetryStrategy(maxAttempts),
    };
  });
  const userAgent = `secrets-store-csi-driver-provider-aws lang/js md/bun#${Bun.version} app/${transport.userAgentAppId}`;
  // Each client is built on its first call (many mounts need only one of the services) and
  // signs as `credentials` for good.
  const lazyClient = (
    service: AwsService,
    region: string,
    credentials: Redacted<AwsCredentials> | undefined,
  ): (() => Promise<AwsClient>) =>
    onceResolved(async () => {
      const [clientParts, endpoint] = await Promise.all([parts(), endpointOf(service, region)]);
      return createAwsClient({
        parts: clientParts,
        signingName: signingNames[service],
        region,
        endpoint,
        credentials,
        userAgent,
      });
    });
  // Clients live as long as the credentials object they sign with (the credential cache keeps
  // one per identity): a WeakMap keyed by it lets them go with the credentials and can never
  // hand them to another identity.
  const unsignedSts = new Map<string, StsApi>();
  const signedSts = new WeakMap<Redacted<AwsCredentials>, Map<string, StsApi>>();
  const regional = new WeakMap<Redacted<AwsCredentials>, Map<string, RegionalApis>>();
  return {
    sts(region, credentials) {
      if (credentials) {
        return memo(signedSts, credentials, region, () =>
          createStsApi(lazyClient("sts", region, credentials)),
        );
      }
      let sts = unsignedSts.get(region);
      if (!sts) {
        sts = createStsApi(lazyClient("sts", region, undefined));
        unsignedSts.set(region, sts);
      }
      return sts;
    },
    forRegion(region, credentials) {
      return memo(regional, credentials, region, () => ({
        secretsManager: createSecretsManagerApi(lazyClient("secretsManager", region, credentials)),
        ssm: createSsmApi(lazyClient("ssm", region, credentials)),
      }));
    },
  };
}

/** The value of `key` and `region` in `cache`, made on first use. */
function memo<K extends object, V>(
  cache: WeakMap<K, Map<string, V>>,
  key: K,
  region: string,
  make: () => V,
): V {
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
}

/** `make()` on the first call, the same value afterwards. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/** Like {@link once}, but a rejection is not kept: the next call makes it afresh. */
function onceResolved<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (value === undefined) {
      const made = make();
      value = made;
      made.catch(() => {
        if (value === made) value = undefined;
      });
    }
    return value;
  };
}
