import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../helpers/driver-client.ts";
import { filesOf, startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const primary = "us-east-1";
const secondary = "us-west-2";
const serverError = { status: 500, code: "InternalServiceError", message: "injected 500" };
const throttled = { status: 400, code: "ThrottlingException", message: "Rate exceeded" };

/** One test bed per strategy; value caching off so each mount really asks AWS. */
async function startBed(strategy: "parallel" | "on-error") {
  const bed = await startTestBed({ flags: ["--cache-ttl=0", `--failover-strategy=${strategy}`] });
  const workload = bed.workload({ serviceAccount: "failover" });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "app/*" });
  bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/app/*" });
  for (const region of [primary, secondary]) {
    bed.aws.putSecret(region, { name: "app/db", secretString: `db-from-${region}` });
    bed.aws.putParameter(region, {
      name: "/app/flag",
      type: "String",
      value: `flag-from-${region}`,
    });
  }
  return { bed, workload };
}

const parameters = (objects = "- {objectName: app/db, objectType: secretsmanager}") => ({
  region: primary,
  failoverRegion: secondary,
  objects,
});

async function mountText(bed: TestBed, workload: Workload, objects?: string) {
  const response = await bed.mount(workload, { parameters: parameters(objects) });
  return filesOf(response).map((f) => f.text);
}

const mountError = (bed: TestBed, workload: Workload, objects?: string) =>
  grpcError(bed.mount(workload, { parameters: parameters(objects) }));

describe("failover (parallel)", () => {
  let bed: TestBed;
  let workload: Workload;
  beforeAll(async () => ({ bed, workload } = await startBed("parallel")));
  afterAll(() => bed.stop());

  test("both regions succeed: the primary's value is used, and both were asked", async () => {
    bed.aws.resetCalls();
    expect(await mountText(bed, workload)).toEqual([`db-from-${primary}`]);
    const regions = bed.aws.calls
      .filter((c) => c.operation === "GetSecretValue")
      .map((c) => c.region);
    expect(regions.sort()).toEqual([primary, secondary]);
  });

  test("a 5xx in the primary (after retries) and success in the failover: the failover's value", async () => {
    bed.aws.failNext("GetSecretValue", serverError, { region: primary, times: 2 });
    expect(await mountText(bed, workload)).toEqual([`db-from-${secondary}`]);
  });

  test("throttling in the primary counts as server-side", async () => {
    bed.aws.failNext("GetSecretValue", throttled, { region: primary, times: 2 });
    expect(await mountText(bed, workload)).toEqual([`db-from-${secondary}`]);
  });

  test("success in the primary and a 5xx in the failover: the primary's value", async () => {
    bed.aws.failNext("GetParameters", serverError, { region: secondary, times: 2 });
    expect(
      await mountText(bed, workload, "- {objectName: /app/flag, objectType: ssmparameter}"),
    ).toEqual([`flag-from-${primary}`]);
  });

  test("a client error in the primary fails the mount even though the failover has the value", async () => {
    bed.aws.putSecret(secondary, { name: "app/only-west", secretString: "west" });
    const error = await mountError(
      bed,
      workload,
      "- {objectName: app/only-west, objectType: secretsmanager}",
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toContain(`(Secrets Manager in "${primary}"): ResourceNotFoundException`);
  });

  test("a client error in the failover fails the mount even though the primary has the value", async () => {
    bed.aws.putSecret(primary, { name: "app/only-east", secretString: "east" });
    const error = await mountError(
      bed,
      workload,
      "- {objectName: app/only-east, objectType: secretsmanager}",
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toContain(`(Secrets Manager in "${secondary}")`);
  });

  test("server-side failures in both regions fail the mount as INTERNAL", async () => {
    bed.aws.failNext("GetSecretValue", serverError, { region: primary, times: 2 });
    bed.aws.failNext("GetSecretValue", serverError, { region: secondary, times: 2 });
    const error = await mountError(bed, workload);
    expect(error.code).toBe(status.INTERNAL);
    // Each region is named with its own failure, not just the last one asked.
    for (const region of [primary, secondary]) {
      expect(error.details).toContain(
        `objects[0] "app/db" (Secrets Manager in "${region}"): InternalServiceError: injected 500`,
      );
    }
  });

  test("failoverObject names another ARN for the failover region", async () => {
    const west = bed.aws.putSecret(secondary, {
      name: "app/replica-db",
      secretString: "replica-value",
    });
    const east = bed.aws.putSecret(primary, {
      name: "app/primary-db",
      secretString: "primary-value",
    });
    const objects = `
- objectName: "${east.arn}"
  objectAlias: db
  failoverObject:
    objectName: "${west.arn}"`;
    expect(await mountText(bed, workload, objects)).toEqual(["primary-value"]);
    bed.aws.failNext("GetSecretValue", serverError, { region: primary, times: 2 });
    bed.aws.resetCalls();
    expect(await mountText(bed, workload, objects)).toEqual(["replica-value"]);
    const westCall = bed.aws.calls.find(
      (c) => c.operation === "GetSecretValue" && c.region === secondary,
    );
    expect(JSON.stringify(westCall?.input)).toContain(west.arn);
  });

  test("asks both regions at the same time: two 300 ms regions cost one wait, not two", async () => {
    await mountText(bed, workload); // credentials cached: only the reads remain
    bed.aws.setLatency(300, { operation: "GetSecretValue" });
    try {
      const started = performance.now();
      expect(await mountText(bed, workload)).toEqual([`db-from-${primary}`]);
      const elapsed = performance.now() - started;
      // Asked one after the other, the two would take at least 600 ms.
      expect(elapsed).toBeGreaterThanOrEqual(300);
      expect(elapsed).toBeLessThan(580);
    } finally {
      bed.aws.setLatency(0, { operation: "GetSecretValue" });
    }
  });
});

describe("failover (on-error)", () => {
  let bed: TestBed;
  let workload: Workload;
  beforeAll(async () => ({ bed, workload } = await startBed("on-error")));
  afterAll(() => bed.stop());

  test("a healthy primary is the only region asked", async () => {
    bed.aws.resetCalls();
    expect(await mountText(bed, workload)).toEqual([`db-from-${primary}`]);
    expect(bed.aws.calls.filter((c) => c.region === secondary)).toHaveLength(0);
  });

  test("a server-side failure in the primary asks the failover region", async () => {
    bed.aws.failNext("GetSecretValue", serverError, { region: primary, times: 2 });
    expect(await mountText(bed, workload)).toEqual([`db-from-${secondary}`]);
  });

  test("a client error in the primary is final: the failover is not asked", async () => {
    bed.aws.resetCalls();
    const error = await mountError(
      bed,
      workload,
      "- {objectName: app/missing, objectType: secretsmanager}",
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(
      bed.aws.calls.filter((c) => c.region === secondary && c.operation === "GetSecretValue"),
    ).toHaveLength(0);
  });
});
