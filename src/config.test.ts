import { describe, expect, test } from "bun:test";
import { loadConfig } from "./config.ts";

describe("loadConfig()", () => {
  test("applies the SPEC defaults", () => {
    const config = loadConfig(
      {},
      { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
    );
    expect(config.socketPath).toBe("/var/run/secrets-store-csi-providers/aws.sock");
    expect(config.driverWritesSecrets).toBe(true);
    expect(config.kube).toEqual({
      apiUrl: "https://10.0.0.1:443",
      tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
      caFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
      qps: 5,
      burst: 10,
    });
    expect(config.mountTimeoutMs).toBe(100_000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("brackets an IPv6 service host", () => {
    const config = loadConfig(
      {},
      { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443" },
    );
    expect(config.kube.apiUrl).toBe("https://[fd00::1]:6443");
  });

  test("reads endpoint and transport variables, service-specific first", () => {
    const config = loadConfig(
      {},
      {
        AWS_ENDPOINT_URL: "http://127.0.0.1:1",
        AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:2",
        AWS_USE_FIPS_ENDPOINT: "true",
        AWS_MAX_ATTEMPTS: "5",
        AWS_REGION: "eu-west-1",
      },
    );
    expect(config.aws.secretsManagerEndpoint).toBe("http://127.0.0.1:1");
    expect(config.aws.ssmEndpoint).toBe("http://127.0.0.1:2");
    expect(config.aws.useFipsEndpoint).toBe(true);
    expect(config.aws.maxAttempts).toBe(5);
    expect(config.awsRegion).toBe("eu-west-1");
  });

  test("never carries AWS credential variables", () => {
    const config = loadConfig(
      {},
      {
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret-in-env",
        AWS_SESSION_TOKEN: "tok",
      },
    );
    const text = JSON.stringify(config);
    expect(text).not.toContain("AKIAEXAMPLE");
    expect(text).not.toContain("secret-in-env");
  });

  test("uses --eks-addon-version in the user agent app id", () => {
    expect(loadConfig({ "eks-addon-version": "v1.2.3-eksbuild.1" }, {}).aws.userAgentAppId).toBe(
      "secrets-store-csi-driver-provider-aws-v1.2.3-eksbuild.1",
    );
  });
});
