import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMountContext } from "../../src/mount/mount-context.ts";
import { createBedMountHandler } from "../helpers/bed-handler.ts";
import { buildMountRequest } from "../helpers/driver-client.ts";
import { startTestBed, type TestBed } from "../helpers/test-bed.ts";

const region = "us-east-1";
let bed: TestBed;

beforeAll(async () => {
  bed = await startTestBed();
  bed.aws.putSecret(region, { name: "tally/db", secretString: "tally-value" });
  bed.aws.putParameter(region, { name: "/tally/p", type: "String", value: "p" });
});
afterAll(() => bed.stop());

describe("a Mount's tally", () => {
  test("counts what the ports did for this Mount, without any metrics wired", async () => {
    // createBedMountHandler wires no metrics at all: the tally must not depend on them.
    const pipeline = createBedMountHandler(bed);
    const workload = bed.workload({ serviceAccount: "tally" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "tally/*" });
    bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/tally/*" });
    const request = buildMountRequest({
      pod: workload.pod,
      tokens: workload.tokens,
      parameters: {
        region,
        objects:
          "- {objectName: tally/db, objectType: secretsmanager}\n- {objectName: /tally/p, objectType: ssmparameter}",
      },
    });
    const mountOnce = async () => {
      const mount = createMountContext({ budgetMs: 10_000, log: pipeline.log });
      try {
        await pipeline.handle(request, mount);
        return mount.tally;
      } finally {
        mount.close();
      }
    };
    // ServiceAccount, credentials and two values missed; STS, GetSecretValue and GetParameters.
    // Kubernetes: the ServiceAccount, and the issuer's discovery document and key set that prove
    // the token (read once per process).
    expect(await mountOnce()).toEqual({
      awsCalls: 3,
      cacheHits: 0,
      cacheMisses: 4,
      kubeRequests: 3,
      objects: 2,
    });
    // Within the TTLs every lookup hits and nothing is asked.
    expect(await mountOnce()).toEqual({
      awsCalls: 0,
      cacheHits: 4,
      cacheMisses: 0,
      kubeRequests: 0,
      objects: 2,
    });
  });
});
