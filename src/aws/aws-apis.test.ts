import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../config.ts";
import { Redacted } from "../redacted.ts";
import { createAwsApis } from "./aws-apis.ts";

// A bare HTTP endpoint that records headers and answers like GetSecretValue.
let seen: Headers | undefined;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    seen = request.headers;
    return Response.json(
      { ARN: "arn", Name: "name", VersionId: "v1", SecretString: "value" },
      { headers: { "content-type": "application/x-amz-json-1.1" } },
    );
  },
});
afterAll(() => server.stop(true));

const credentials = new Redacted({
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "secret",
  sessionToken: "session",
  expiration: new Date(Date.now() + 3_600_000),
});
const read = (apis: ReturnType<typeof createAwsApis>) =>
  apis
    .forRegion("us-east-1", credentials)
    .secretsManager.getSecretValue(
      { secretId: "name", versionId: undefined, versionStage: undefined },
      { signal: AbortSignal.timeout(5000) },
    );

describe("createAwsApis()", () => {
  test("sends the provider's app id in the user agent and signs with the given credentials", async () => {
    const config = loadConfig(
      {},
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${server.port}` },
    );
    await read(createAwsApis(config.aws));
    expect(seen?.get("user-agent")).toContain("app/secrets-store-csi-driver-provider-aws-");
    expect(seen?.get("authorization")).toContain("Credential=ASIAEXAMPLE/");
    expect(seen?.get("x-amz-security-token")).toBe("session");
  });

  test("--eks-addon-version replaces the version in the app id", async () => {
    const config = loadConfig(
      { "eks-addon-version": "v2.0.0-eksbuild.1" },
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${server.port}` },
    );
    await read(createAwsApis(config.aws));
    expect(seen?.get("user-agent")).toContain(
      "app/secrets-store-csi-driver-provider-aws-v2.0.0-eksbuild.1",
    );
  });

  test("reuses the clients of one credentials object and region", () => {
    const apis = createAwsApis(loadConfig({}, {}).aws);
    expect(apis.forRegion("us-east-1", credentials)).toBe(apis.forRegion("us-east-1", credentials));
    expect(apis.forRegion("us-west-2", credentials)).not.toBe(
      apis.forRegion("us-east-1", credentials),
    );
    const other = new Redacted({ ...credentials.reveal() });
    expect(apis.forRegion("us-east-1", other)).not.toBe(apis.forRegion("us-east-1", credentials));
  });
});
