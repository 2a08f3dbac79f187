import { afterAll, describe, expect, test } from "bun:test";
import { createFakeAws } from "../../test/fakes/fake-aws.ts";
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

  test("never signs one identity's request with another's credentials, even when their first calls interleave", async () => {
    // A fresh factory: both identities' clients (and the SDK itself) are built lazily, concurrently.
    await using aws = createFakeAws();
    const config = loadConfig(
      {},
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url, AWS_ENDPOINT_URL_SSM: aws.url },
    );
    const apis = createAwsApis(config.aws);
    const identities = ["a", "b"].map((name) => {
      const roleArn = `arn:aws:iam::${aws.accountId}:role/${name}`;
      aws.grant(roleArn, { service: "secretsmanager", resource: `${name}/*` });
      aws.grant(roleArn, { service: "ssm", resource: `/${name}/*` });
      aws.putSecret("us-east-1", { name: `${name}/secret`, secretString: `secret of ${name}` });
      aws.putParameter("us-east-1", {
        name: `/${name}/param`,
        type: "SecureString",
        value: `param of ${name}`,
      });
      const issued = aws.issueCredentials(roleArn);
      return { name, roleArn, issued, credentials: new Redacted({ ...issued }) };
    });
    const signal = AbortSignal.timeout(10_000);
    const text = (bytes: Redacted<Uint8Array>) => new TextDecoder().decode(bytes.reveal());
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const self = identities[i % 2];
        const other = identities[(i + 1) % 2];
        if (!self || !other) throw new Error("two identities");
        const regional = apis.forRegion("us-east-1", self.credentials);
        const own =
          i % 4 < 2
            ? text(
                (
                  await regional.secretsManager.getSecretValue(
                    {
                      secretId: `${self.name}/secret`,
                      versionId: undefined,
                      versionStage: undefined,
                    },
                    { signal },
                  )
                ).bytes,
              )
            : text(
                (await regional.ssm.getParameters([`/${self.name}/param`], { signal }))
                  .parameters[0]?.bytes ?? new Redacted(new Uint8Array()),
              );
        // The other identity's secret must be denied to this one, whatever ran in between.
        const foreign = await regional.secretsManager
          .getSecretValue(
            { secretId: `${other.name}/secret`, versionId: undefined, versionStage: undefined },
            { signal },
          )
          .then(
            () => "read",
            (error: unknown) => (error as { code?: string }).code ?? "failed",
          );
        return { name: self.name, own, foreign };
      }),
    );
    for (const result of results) {
      expect(result.own).toContain(`of ${result.name}`);
      expect(result.foreign).toBe("PERMISSION_DENIED");
    }
    // The fake verified every signature against the credentials it issued; each call was signed
    // with the key of the identity that made it.
    expect(aws.calls).toHaveLength(80);
    for (const call of aws.calls) {
      const signer = identities.find(
        (identity) => identity.issued.accessKeyId === call.accessKeyId,
      );
      expect(signer).toBeDefined();
      expect(call.roleArn).toBe(signer?.roleArn);
    }
  });
});
