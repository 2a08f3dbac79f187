import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../helpers/driver-client.ts";
import { startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const region = "us-east-1";
let bed: TestBed;
let workload: Workload;

beforeAll(async () => {
  bed = await startTestBed();
  workload = bed.workload({ namespace: "shop", serviceAccount: "web" });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "allowed/*" });
  bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/allowed/*" });
  bed.aws.putSecret(region, { name: "allowed/db", secretString: "db-secret-value" });
  bed.aws.putSecret(region, { name: "forbidden/db", secretString: "forbidden-secret-value" });
  bed.aws.putParameter(region, { name: "/allowed/flag", type: "String", value: "flag-value" });
});

afterAll(() => bed.stop());

/** Mounts and returns the gRPC error (fails the test when the mount succeeds). */
const mountError = (w: Workload, init: Parameters<TestBed["mount"]>[1]) =>
  grpcError(bed.mount(w, init));

const sm = (name: string) => `- {objectName: "${name}", objectType: secretsmanager}`;

describe("Mount errors", () => {
  test("an invalid SPC reports all five problems at once and makes no AWS or Kubernetes request", async () => {
    bed.aws.resetCalls();
    const kubeRequestsBefore = bed.kube.requests.length;
    const error = await mountError(workload, {
      parameters: {
        region: "mars-north-1x",
        pathTranslation: "ab",
        objects: `
- objectName: a
  objectType: secretsmanagr
- objectType: ssmparameter
- objectName: b
  objectType: ssmparameter
  filePermission: "777"
- objectName: c
  objectType: secretsmanager
`,
      },
    });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain("region");
    expect(error.details).toContain("pathTranslation");
    expect(error.details).toContain('objects[0] ("a").objectType');
    expect(error.details).toMatch(/objects\[1\].*objectName/);
    expect(error.details).toContain('objects[2] ("b").filePermission');
    expect(bed.aws.calls).toHaveLength(0);
    expect(bed.kube.requests.length).toBe(kubeRequestsBefore);
  });

  test("a ServiceAccount without role annotation is FAILED_PRECONDITION and makes no AWS call", async () => {
    const noRole = bed.workload({ namespace: "shop", serviceAccount: "no-role", roleArn: null });
    bed.aws.resetCalls();
    const error = await mountError(noRole, { parameters: { region, objects: sm("allowed/db") } });
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toContain(
      'ServiceAccount "shop/no-role" has no "eks.amazonaws.com/role-arn" annotation',
    );
    expect(bed.aws.calls).toHaveLength(0);
  });

  test("a missing sts.amazonaws.com token tells the operator to add the audience to tokenRequests", async () => {
    const error = await mountError(workload, {
      tokens: { "some-other-audience": "x" },
      parameters: { region, objects: sm("allowed/db") },
    });
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toContain('audience "sts.amazonaws.com"');
    expect(error.details).toContain("tokenRequests");
  });

  test("no tokens attribute at all is the same precondition failure", async () => {
    const error = await mountError(workload, {
      tokens: undefined,
      parameters: { region, objects: sm("allowed/db") },
    });
    expect(error.code).toBe(status.FAILED_PRECONDITION);
  });

  test("a token STS does not trust is UNAUTHENTICATED", async () => {
    const error = await mountError(workload, {
      tokens: { "sts.amazonaws.com": "eyJ.untrusted.token" },
      parameters: { region, objects: sm("allowed/db") },
    });
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toContain(workload.roleArn);
    expect(error.details).not.toContain("eyJ.untrusted.token");
  });

  test("AccessDenied is PERMISSION_DENIED naming the object, region, AWS code and the IAM action to grant", async () => {
    const error = await mountError(workload, {
      parameters: { region, objects: `${sm("allowed/db")}\n${sm("forbidden/db")}` },
    });
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain(
      'objects[1] "forbidden/db" (Secrets Manager in "us-east-1"): AccessDeniedException',
    );
    expect(error.details).toContain(
      `allow "secretsmanager:GetSecretValue" on this secret for role "${workload.roleArn}"`,
    );
    expect(error.details).not.toContain("objects[0]");
  });

  test("a missing secret is NOT_FOUND with a hint", async () => {
    const error = await mountError(workload, {
      parameters: { region, objects: sm("allowed/nope") },
    });
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toContain(
      'objects[0] "allowed/nope" (Secrets Manager in "us-east-1"): ResourceNotFoundException',
    );
    expect(error.details).toContain("check objectName");
  });

  test("missing SSM parameters are NOT_FOUND, each named", async () => {
    const error = await mountError(workload, {
      parameters: {
        region,
        objects:
          "- {objectName: /allowed/flag, objectType: ssmparameter}\n- {objectName: /allowed/gone, objectType: ssmparameter}\n- {objectName: /allowed/flag, objectType: ssmparameter, objectVersion: '9', objectAlias: f9}",
      },
    });
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toContain('objects[1] "/allowed/gone"');
    expect(error.details).toContain('objects[2] "/allowed/flag"');
    expect(error.details).toContain("Cannot fetch 2 of 3 objects");
  });

  test("every failed object is listed when several fail for different reasons", async () => {
    const error = await mountError(workload, {
      parameters: {
        region,
        objects: `${sm("allowed/nope")}\n${sm("forbidden/db")}\n${sm("allowed/db")}`,
      },
    });
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain("objects[0]");
    expect(error.details).toContain("objects[1]");
    expect(error.details).not.toContain("objects[2]");
  });

  test("thousands of failed objects make a message of a few KiB: the first ones, then how many more", async () => {
    const objects = Array.from({ length: 2000 }, (_, i) => sm(`allowed/missing-${i}`)).join("\n");
    const error = await mountError(workload, { parameters: { region, objects } });
    expect(error.code).toBe(status.NOT_FOUND);
    expect(new TextEncoder().encode(error.details).length).toBeLessThanOrEqual(4096);
    const lines = error.details.split("\n");
    expect(lines[0]).toBe('Cannot fetch 2000 of 2000 objects of SecretProviderClass "test-spc":');
    expect(lines[1]).toStartWith('objects[0] "allowed/missing-0" (Secrets Manager in "us-east-1")');
    expect(lines.at(-1)).toBe(`… and ${2000 - (lines.length - 2)} more failures`);
  });

  test("a 5xx that survives retries is INTERNAL and names the region", async () => {
    bed.aws.putSecret(region, { name: "allowed/flaky", secretString: "flaky-value" });
    bed.aws.failNext(
      "GetSecretValue",
      { status: 500, code: "InternalServiceError", message: "injected failure" },
      { times: 5 },
    );
    const error = await mountError(workload, {
      parameters: { region, objects: sm("allowed/flaky") },
    });
    bed.aws.resetFaults();
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).toContain(
      '(Secrets Manager in "us-east-1"): InternalServiceError: injected failure',
    );
  });

  test("a malformed attributes JSON is INVALID_ARGUMENT and the process keeps serving", async () => {
    const { create } = await import("@bufbuild/protobuf");
    const { MountRequestSchema } = await import("../../gen/v1alpha1/service_pb.ts");
    const error = await grpcError(
      bed.client.mount(
        create(MountRequestSchema, { attributes: "{not json", permission: "420", secrets: "null" }),
      ),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const response = await bed.mount(workload, {
      parameters: { region, objects: sm("allowed/db") },
    });
    expect(response.files).toHaveLength(1);
  });

  test("the AWS and Kubernetes answers of failing mounts never put a secret or token in the log", () => {
    const output = bed.output();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of [
      "db-secret-value",
      "forbidden-secret-value",
      "flag-value",
      workload.token,
      "fake-kube-token",
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
