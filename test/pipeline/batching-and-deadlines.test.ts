import { describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../helpers/driver-client.ts";
import { filesOf, startTestBed } from "../helpers/test-bed.ts";

const region = "us-east-1";
const secretObjects = (names: string[]) =>
  names.map((n) => `- {objectName: "${n}", objectType: secretsmanager}`).join("\n");

describe("--secretsmanager-batch", () => {
  test("25 secrets cost two BatchGetSecretValue calls and no GetSecretValue", async () => {
    await using bed = await startTestBed({ flags: ["--secretsmanager-batch"] });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    const names = Array.from({ length: 25 }, (_, i) => `batch/s${i}`);
    for (const name of names) bed.aws.putSecret(region, { name, secretString: `value of ${name}` });
    bed.aws.resetCalls();
    const response = await bed.mount(workload, {
      parameters: { region, objects: secretObjects(names) },
    });
    expect(filesOf(response).map((f) => f.text)).toEqual(names.map((n) => `value of ${n}`));
    const operations = bed.aws.calls
      .map((c) => c.operation)
      .filter((o) => o !== "AssumeRoleWithWebIdentity");
    expect(operations).toEqual(["BatchGetSecretValue", "BatchGetSecretValue"]);
  });

  test("a missing secret fails only its own object, named in the error", async () => {
    await using bed = await startTestBed({ flags: ["--secretsmanager-batch"] });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.putSecret(region, { name: "batch/here", secretString: "here" });
    const error = await grpcError(
      bed.mount(workload, {
        parameters: { region, objects: secretObjects(["batch/here", "batch/gone"]) },
      }),
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toContain('objects[1] "batch/gone"');
    expect(error.details).not.toContain("objects[0]");
  });

  test("a role without BatchGetSecretValue falls back to GetSecretValue", async () => {
    await using bed = await startTestBed({ flags: ["--secretsmanager-batch"] });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, {
      service: "secretsmanager",
      resource: "batch/*",
      actions: ["GetSecretValue"],
    });
    bed.aws.putSecret(region, { name: "batch/a", secretString: "a" });
    bed.aws.putSecret(region, { name: "batch/b", secretString: "b" });
    bed.aws.resetCalls();
    const response = await bed.mount(workload, {
      parameters: { region, objects: secretObjects(["batch/a", "batch/b"]) },
    });
    expect(filesOf(response).map((f) => f.text)).toEqual(["a", "b"]);
    const operations = bed.aws.calls
      .map((c) => c.operation)
      .filter((o) => o !== "AssumeRoleWithWebIdentity");
    expect(operations.sort()).toEqual(["BatchGetSecretValue", "GetSecretValue", "GetSecretValue"]);
  });

  test("objects with a version or label still use GetSecretValue", async () => {
    await using bed = await startTestBed({ flags: ["--secretsmanager-batch"] });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.putSecret(region, { name: "batch/v", secretString: "old" });
    bed.aws.putSecret(region, { name: "batch/v", secretString: "new" });
    bed.aws.resetCalls();
    const response = await bed.mount(workload, {
      parameters: {
        region,
        objects:
          "- {objectName: batch/v, objectType: secretsmanager, objectVersionLabel: AWSPREVIOUS}",
      },
    });
    expect(filesOf(response)[0]?.text).toBe("old");
    expect(bed.aws.calls.map((c) => c.operation)).toContain("GetSecretValue");
    expect(bed.aws.calls.map((c) => c.operation)).not.toContain("BatchGetSecretValue");
  });
});

describe("mount deadlines", () => {
  test("an AWS region that never answers yields DEADLINE_EXCEEDED naming what was pending, in time", async () => {
    await using bed = await startTestBed();
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.putSecret(region, { name: "slow/one", secretString: "one" });
    const hang = bed.aws.hang({ operation: "GetSecretValue" });
    try {
      const started = Date.now();
      const error = await grpcError(
        bed.mount(
          workload,
          { parameters: { region, objects: secretObjects(["slow/one"]) } },
          { deadlineMs: 3500 },
        ),
      );
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      expect(error.details).toContain('still waiting for objects[0] "slow/one" in "us-east-1"');
      // The driver's deadline minus the 2 s margin: the answer arrives well before the driver gives up.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      hang.release();
    }
    const response = await bed.mount(workload, {
      parameters: { region, objects: secretObjects(["slow/one"]) },
    });
    expect(filesOf(response)[0]?.text).toBe("one");
  });

  test("--mount-timeout bounds a mount when the driver's deadline is longer", async () => {
    await using bed = await startTestBed({ flags: ["--mount-timeout=500ms"] });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    const hang = bed.aws.hang({ operation: "GetSecretValue" });
    try {
      const started = Date.now();
      const error = await grpcError(
        bed.mount(workload, { parameters: { region, objects: secretObjects(["x"]) } }),
      );
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      hang.release();
    }
  });
});

describe("--max-concurrent-aws-calls", () => {
  test("no more AWS requests are in flight at once than the bound", async () => {
    await using bed = await startTestBed({
      flags: ["--max-concurrent-aws-calls=2", "--cache-ttl=0"],
    });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    const names = Array.from({ length: 8 }, (_, i) => `bounded/s${i}`);
    for (const name of names) bed.aws.putSecret(region, { name, secretString: name });
    await bed.mount(workload, {
      parameters: { region, objects: secretObjects(names.slice(0, 1)) },
    });
    bed.aws.setLatency(60, { operation: "GetSecretValue" });
    bed.aws.resetCalls();
    const response = await bed.mount(workload, {
      parameters: { region, objects: secretObjects(names) },
    });
    expect(response.files).toHaveLength(8);
    // With 2 slots and 60 ms per call, 8 calls arrive in 4 waves, at least 3 × 60 ms apart overall.
    const arrivals = bed.aws.calls
      .filter((c) => c.operation === "GetSecretValue")
      .map((c) => c.time.getTime());
    expect(arrivals).toHaveLength(8);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(170);
  });
});

describe("response size", () => {
  test("files above the driver's 4 MiB limit are RESOURCE_EXHAUSTED; 3 MiB still passes", async () => {
    await using bed = await startTestBed();
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    const mib = "x".repeat(1024 * 1024);
    for (let i = 0; i < 5; i++) bed.aws.putSecret(region, { name: `big/s${i}`, secretString: mib });
    const three = await bed.mount(workload, {
      parameters: { region, objects: secretObjects(["big/s0", "big/s1", "big/s2"]) },
    });
    expect(three.files.map((f) => f.contents.byteLength)).toEqual([
      mib.length,
      mib.length,
      mib.length,
    ]);
    expect(bed.output()).toContain("larger than 1 MiB");
    const error = await grpcError(
      bed.mount(workload, {
        parameters: {
          region,
          objects: secretObjects(["big/s0", "big/s1", "big/s2", "big/s3", "big/s4"]),
        },
      }),
    );
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toContain("more than the driver's limit of 4194304 bytes");
  });
});
