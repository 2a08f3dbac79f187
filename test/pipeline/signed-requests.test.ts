import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config.ts";
import { createMountDeps } from "../../src/create-mount-deps.ts";
import { Code, ProviderError } from "../../src/errors.ts";
import { createMountHandler } from "../../src/mount/handle-mount.ts";
import { createMountContext } from "../../src/mount/mount-context.ts";
import { Redacted } from "../../src/redacted.ts";
import { buildMountRequest } from "../helpers/driver-client.ts";
import { silentLogger } from "../helpers/silent-logger.ts";
import { startTestBed, type TestBed } from "../helpers/test-bed.ts";

const region = "us-east-1";
let bed: TestBed;

beforeAll(async () => {
  bed = await startTestBed();
  bed.aws.putSecret(region, { name: "signed/db", secretString: "signed-secret-value" });
});
afterAll(() => bed.stop());

/** The mount pipeline wired to the test bed, with `transform` applied to the pod's secret key. */
function createHandler(transform: (secretAccessKey: string) => string) {
  const files = bed.kube.writeClientFiles(bed.dir);
  const config = loadConfig(
    {
      "kube-api-url": bed.kube.url,
      "kube-token-file": files.tokenFile,
      "kube-ca-file": files.caFile,
    },
    { AWS_ENDPOINT_URL: bed.aws.url, AWS_MAX_ATTEMPTS: "1" },
  );
  const deps = createMountDeps(config, silentLogger, {
    wrapAws: (real) => ({
      sts: real.sts,
      forRegion: (region, credentials) => {
        const c = credentials.reveal();
        return real.forRegion(
          region,
          new Redacted({ ...c, secretAccessKey: transform(c.secretAccessKey) }),
        );
      },
    }),
  });
  return createMountHandler(deps);
}

/** Mounts `signed/db` for a fresh, fully granted workload, signing with `transform(secretKey)`. */
function mountSigned(serviceAccount: string, transform: (secretAccessKey: string) => string) {
  const workload = bed.workload({ serviceAccount });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
  const request = buildMountRequest({
    pod: workload.pod,
    tokens: workload.tokens,
    parameters: { region, objects: "- {objectName: signed/db, objectType: secretsmanager}" },
  });
  const mount = createMountContext({ budgetMs: 10_000, log: silentLogger });
  return createHandler(transform)(request, mount).finally(() => mount.close());
}

describe("requests signed with the pod's credentials", () => {
  test("are accepted by the fake AWS when the credentials are the ones STS issued", async () => {
    const result = await mountSigned("signer", (key) => key);
    expect(new TextDecoder().decode(result.files[0]?.contents.reveal())).toBe(
      "signed-secret-value",
    );
  });

  test("are rejected by the signature check when the secret key is wrong", async () => {
    // Another last character, always: the fake's keys are random, and may end in "x" already.
    const forge = (key: string) => `${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`;
    const failure = await mountSigned("forger", forge).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).code).toBe(Code.Unauthenticated);
    expect((failure as ProviderError).message).toContain("InvalidSignatureException");
    const call = bed.aws.calls.findLast((c) => c.operation === "GetSecretValue");
    expect(call?.errorCode).toBe("InvalidSignatureException");
  });
});
