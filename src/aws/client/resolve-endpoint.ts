import type { AwsTransportConfig } from "../../config.ts";
import { toAwsError } from "../aws-errors.ts";
import { loadAwsSdk } from "../load-aws-sdk.ts";

/** The services the provider calls, by the name of their SDK client package. */
export type AwsService = "secretsManager" | "ssm" | "sts";

/** Resolves the endpoint of a service in a region; see {@link createEndpointResolver}. */
export type EndpointResolver = (service: AwsService, region: string) => Promise<URL>;

/**
 * The endpoint of a service in a region, from the SDK client's own endpoint rules (partitions,
 * FIPS, dual-stack, regional STS, `AWS_ENDPOINT_URL_*`), resolved once per service and region by
 * a client built for that alone and dropped. A failure is not remembered.
 * @throws AwsError when the rules give no endpoint (an invalid region, FIPS where there is none)
 */
export function createEndpointResolver(transport: AwsTransportConfig): EndpointResolver {
  const resolved = new Map<string, Promise<URL>>();
  const resolve = async (service: AwsService, region: string): Promise<URL> => {
    const sdk = await loadAwsSdk();
    const config = {
      region,
      useFipsEndpoint: transport.useFipsEndpoint,
      useDualstackEndpoint: transport.useDualstackEndpoint,
      // The rules need no credentials; the SDK must never look for the provider's own (SPEC §4).
      credentials: () =>
        Promise.reject(new Error("the provider's own AWS credentials are never used")),
    };
    const client =
      service === "secretsManager"
        ? new sdk.secretsManager.SecretsManagerClient(config)
        : service === "ssm"
          ? new sdk.ssm.SSMClient(config)
          : new sdk.sts.STSClient(config);
    const endpoint = {
      secretsManager: transport.secretsManagerEndpoint,
      ssm: transport.ssmEndpoint,
      sts: transport.stsEndpoint,
    }[service];
    try {
      const { url } = client.config.endpointProvider({
        Region: region,
        UseFIPS: transport.useFipsEndpoint,
        UseDualStack: transport.useDualstackEndpoint,
        ...(service === "sts" ? { UseGlobalEndpoint: false } : {}),
        ...(endpoint === undefined ? {} : { Endpoint: endpoint }),
      });
      return new URL(url.href);
    } catch (error) {
      throw toAwsError(error);
    } finally {
      client.destroy();
    }
  };
  return (service, region) => {
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
