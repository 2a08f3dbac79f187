import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import type { RetryStrategyV2 } from "@smithy/types";
import type { AwsTransportConfig } from "../config.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { toAwsError } from "./aws-errors.ts";
import { type AwsClientParts, createAwsJsonClient } from "./client/aws-json-client.ts";
import { type AwsSdk, loadAwsSdk } from "./load-aws-sdk.ts";
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
 * Creates the real adapters: STS through the SDK v3 client, Secrets Manager and SSM through lean
 * clients of the SDK's own pieces (`aws-json-client.ts`). Every client gets its region,
 * credentials, endpoint and retry settings explicitly, so nothing ever consults the provider's own
 * environment credentials, shared config files or IMDS (SPEC §4).
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
  const endpointOf = createEndpointResolver(transport);
  const clientParts = once(async () => toClientParts(await loadAwsSdk(), transport));
  const userAgent = `secrets-store-csi-driver-provider-aws lang/js md/bun#${Bun.version} app/${transport.userAgentAppId}`;
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
          credentials: credentials ? toSdkCredentials(credentials) : refuseOwnCredentials,
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
        // Each client is built on its first call: many mounts need only one of the two services.
        const lean = (service: LeanService) =>
          once(async () => {
            const [parts, endpoint] = await Promise.all([
              clientParts(),
              endpointOf(service, region),
            ]);
            return createAwsJsonClient({
              parts,
              ...leanServices[service],
              region,
              endpoint,
              credentials,
              userAgent,
            });
          });
        return {
          secretsManager: createSecretsManagerApi(lean("secretsManager")),
          ssm: createSsmApi(lean("ssm")),
        };
      });
    },
  };
}

type LeanService = "secretsManager" | "ssm";

const leanServices: Record<LeanService, { signingName: string; targetPrefix: string }> = {
  secretsManager: { signingName: "secretsmanager", targetPrefix: "secretsmanager" },
  ssm: { signingName: "ssm", targetPrefix: "AmazonSSM" },
};

/**
 * The endpoint of a service in a region, from the SDK client's own endpoint rules (partitions,
 * FIPS, dual-stack, `AWS_ENDPOINT_URL_*`), resolved once per service and region: a client built
 * for that alone and dropped. A failure is not remembered.
 */
function createEndpointResolver(transport: AwsTransportConfig) {
  const resolved = new Map<string, Promise<URL>>();
  const resolve = async (service: LeanService, region: string): Promise<URL> => {
    const sdk = await loadAwsSdk();
    const config = {
      region,
      useFipsEndpoint: transport.useFipsEndpoint,
      useDualstackEndpoint: transport.useDualstackEndpoint,
      credentials: refuseOwnCredentials,
    };
    const client =
      service === "secretsManager"
        ? new sdk.secretsManager.SecretsManagerClient(config)
        : new sdk.ssm.SSMClient(config);
    const endpoint =
      service === "secretsManager" ? transport.secretsManagerEndpoint : transport.ssmEndpoint;
    try {
      const { url } = client.config.endpointProvider({
        Region: region,
        UseFIPS: transport.useFipsEndpoint,
        UseDualStack: transport.useDualstackEndpoint,
        ...(endpoint === undefined ? {} : { Endpoint: endpoint }),
      });
      return new URL(url.href);
    } catch (error) {
      throw toAwsError(error);
    } finally {
      client.destroy();
    }
  };
  return (service: LeanService, region: string): Promise<URL> => {
    const key = `${service} ${region}`;
    let url = resolved.get(key);
    if (!url) {
      url = resolve(service, region);
      resolved.set(key, url);
      url.catch(() => resolved.delete(key));
    }
    return url;
  };
}

/** The signer and a retry strategy of the configured mode and attempts, as SDK clients get them. */
function toClientParts(sdk: AwsSdk, transport: AwsTransportConfig): AwsClientParts {
  const { AdaptiveRetryStrategy, StandardRetryStrategy, DEFAULT_MAX_ATTEMPTS } = sdk.retry;
  const maxAttempts = transport.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  return {
    SignatureV4: sdk.signatureV4.SignatureV4,
    createRetryStrategy: (): RetryStrategyV2 =>
      transport.retryMode === "adaptive"
        ? new AdaptiveRetryStrategy(maxAttempts)
        : new StandardRetryStrategy(maxAttempts),
  };
}

/** A credential provider that refuses: the SDK must never resolve its default chain (SPEC §4). */
const refuseOwnCredentials = () =>
  Promise.reject(new Error("the provider's own AWS credentials are never used"));

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
