import type { AwsTransportConfig } from "../../config.ts";
import { toAwsError } from "../aws-errors.ts";
import { loadAwsSdk } from "../load-aws-sdk.ts";

/** The services the provider calls, by the name of their SDK client package. */
export type AwsService = "secretsManager" | "ssm" | "sts";

/** Resolves the endpoint of a service in a region; see {@link createEndpointResolver}. */
export type EndpointResolver = (service: AwsService, region: string) => Promise<URL>;

/**
 * The endpoint of a service in a region, from the SDK client's own endpoint rules (partitions,
 * FIPS, dual-stack, regional STS, `AWS_ENDPOINT_URL_*`), resolved once per service and region,
 * with the parameters the client itself would pass them (`resolve-endpoint.test.ts` compares
 * both). A failure is not remembered.
 * @throws AwsError when the rules give no endpoint (an invalid region, FIPS where there is none)
 */
export function createEndpointResolver(transport: AwsTransportConfig): EndpointResolver {
  const resolved = new Map<string, Promise<URL>>();
  const resolve = async (service: AwsService, region: string): Promise<URL> => {
    const { endpointRules } = await loadAwsSdk();
    const endpoint = {
      secretsManager: transport.secretsManagerEndpoint,
      ssm: transport.ssmEndpoint,
      sts: transport.stsEndpoint,
    }[service];
    const parameters = {
      Region: region,
      UseFIPS: transport.useFipsEndpoint,
      UseDualStack: transport.useDualstackEndpoint,
      ...(endpoint === undefined ? {} : { Endpoint: endpoint }),
    };
    try {
      const { url } =
        service === "sts"
          ? endpointRules.sts({ ...parameters, UseGlobalEndpoint: false })
          : endpointRules[service](parameters);
      return new URL(url.href);
    } catch (error) {
      throw toAwsError(error);
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
