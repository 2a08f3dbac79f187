import { describe, expect, test } from "bun:test";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsTransportConfig } from "../../config.ts";
import { type AwsService, createEndpointResolver } from "./resolve-endpoint.ts";

const transport = (overrides: Partial<AwsTransportConfig>): AwsTransportConfig => ({
  secretsManagerEndpoint: undefined,
  ssmEndpoint: undefined,
  stsEndpoint: undefined,
  useFipsEndpoint: false,
  useDualstackEndpoint: false,
  maxAttempts: undefined,
  retryMode: "standard",
  userAgentAppId: "test",
  ...overrides,
});

/** Thrown by the request handler below once the SDK has built its request. */
class Captured extends Error {
  constructor(readonly url: string) {
    super(url);
  }
}

/**
 * The URL the full SDK client itself sends a call to, through its whole pipeline (client config,
 * endpoint parameters, rules, middleware): its request handler captures the request and stops.
 */
async function sdkEndpoint(
  service: AwsService,
  region: string,
  options: { fips: boolean; dualStack: boolean; endpoint: string | undefined },
): Promise<string> {
  const config = {
    region,
    useFipsEndpoint: options.fips,
    useDualstackEndpoint: options.dualStack,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
    requestHandler: {
      handle: (request: { protocol: string; hostname: string; port?: number; path: string }) => {
        const port = request.port === undefined ? "" : `:${request.port}`;
        throw new Captured(`${request.protocol}//${request.hostname}${port}${request.path}`);
      },
    },
  };
  try {
    if (service === "secretsManager")
      await new SecretsManagerClient(config).send(new GetSecretValueCommand({ SecretId: "s" }));
    else if (service === "ssm")
      await new SSMClient(config).send(new GetParametersCommand({ Names: ["p"] }));
    else {
      await new STSClient(config).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: "arn:aws:iam::111122223333:role/r",
          RoleSessionName: "s",
          WebIdentityToken: "t",
        }),
      );
    }
  } catch (error) {
    if (error instanceof Captured) return new URL(error.url).href;
    throw error;
  }
  throw new Error("the SDK sent nothing");
}

describe("createEndpointResolver()", () => {
  test("gives the endpoint the SDK's own clients call, across partitions, FIPS, dual-stack and AWS_ENDPOINT_URL_*", async () => {
    const services: AwsService[] = ["secretsManager", "ssm", "sts"];
    const regions = ["us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1"];
    let compared = 0;
    for (const service of services) {
      for (const region of regions) {
        for (const fips of [false, true]) {
          for (const dualStack of [false, true]) {
            for (const endpoint of [undefined, "http://127.0.0.1:4566"]) {
              const resolve = createEndpointResolver(
                transport({
                  useFipsEndpoint: fips,
                  useDualstackEndpoint: dualStack,
                  [`${service}Endpoint`]: endpoint,
                }),
              );
              // The rules refuse some combinations (dual-stack with a custom endpoint): then both
              // fail, ours with the rules' message after its error name.
              const ours = await resolve(service, region).then(
                (url) => url.href,
                (error: Error) => `error: ${error.message.replace(/^EndpointError: /, "")}`,
              );
              const sdk = await sdkEndpoint(service, region, { fips, dualStack, endpoint }).then(
                (url) => url,
                (error: Error) => `error: ${error.message}`,
              );
              expect({ service, region, fips, dualStack, endpoint, url: ours }).toEqual({
                service,
                region,
                fips,
                dualStack,
                endpoint,
                url: sdk,
              });
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(3 * 5 * 2 * 2 * 2);
  });

  test("known endpoints, so that the comparison above cannot pass on two identical mistakes", async () => {
    const resolve = createEndpointResolver(transport({}));
    expect((await resolve("secretsManager", "us-east-1")).href).toBe(
      "https://secretsmanager.us-east-1.amazonaws.com/",
    );
    expect((await resolve("ssm", "cn-north-1")).href).toBe(
      "https://ssm.cn-north-1.amazonaws.com.cn/",
    );
    // Regional STS, never the global endpoint.
    expect((await resolve("sts", "eu-central-1")).href).toBe(
      "https://sts.eu-central-1.amazonaws.com/",
    );
    const fips = createEndpointResolver(transport({ useFipsEndpoint: true }));
    expect((await fips("secretsManager", "us-east-1")).href).toBe(
      "https://secretsmanager-fips.us-east-1.amazonaws.com/",
    );
    const custom = createEndpointResolver(transport({ ssmEndpoint: "http://127.0.0.1:4566" }));
    expect((await custom("ssm", "us-east-1")).href).toBe("http://127.0.0.1:4566/");
  });

  test("a combination the rules refuse fails with their reason", async () => {
    const resolve = createEndpointResolver(
      transport({ useDualstackEndpoint: true, ssmEndpoint: "http://127.0.0.1:4566" }),
    );
    await expect(resolve("ssm", "us-east-1")).rejects.toThrow(
      "Dualstack and custom endpoint are not supported",
    );
  });
});
