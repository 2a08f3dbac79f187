import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../helpers/driver-client.ts";
import { filesOf, startTestBed, type TestBed } from "../helpers/test-bed.ts";

const region = "us-east-1";
const objects = "- {objectName: team/db, objectType: secretsmanager}";
let bed: TestBed;

beforeAll(async () => {
  bed = await startTestBed();
  bed.aws.putSecret(region, { name: "team/db", secretString: "team-db-secret" });
});
afterAll(() => bed.stop());

describe("EKS Pod Identity", () => {
  test("mounts with the credentials of the associated role", async () => {
    const workload = bed.workload({ serviceAccount: "pi-app", podIdentity: true });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "team/*" });
    const response = await bed.mount(workload, {
      parameters: { region, usePodIdentity: "true", objects },
    });
    expect(filesOf(response)[0]?.text).toBe("team-db-secret");
    expect(bed.aws.calls.findLast((c) => c.operation === "GetSecretValue")?.roleArn).toBe(
      workload.roleArn,
    );
    expect(bed.agent.requests.at(-1)?.token).toBe(workload.token);
  });

  test("keeps trying while the agent answers 500 (a fresh node)", async () => {
    const workload = bed.workload({ serviceAccount: "pi-retry", podIdentity: true });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "team/*" });
    bed.agent.failNext(500, 2);
    const response = await bed.mount(workload, {
      parameters: { region, usePodIdentity: "True", objects },
    });
    expect(response.files).toHaveLength(1);
  });

  test("an agent that never answers gives a clear error before the mount deadline", async () => {
    const workload = bed.workload({ serviceAccount: "pi-hang", podIdentity: true });
    bed.agent.setHanging(true);
    try {
      const started = Date.now();
      const error = await grpcError(
        bed.mount(
          workload,
          { parameters: { region, usePodIdentity: "1", objects } },
          { deadlineMs: 4000 },
        ),
      );
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      expect(error.details).toContain(
        "still waiting for credentials from the EKS Pod Identity agent",
      );
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      bed.agent.setHanging(false);
    }
  });

  test("without the pods.eks.amazonaws.com token the operator is told to add the audience", async () => {
    const workload = bed.workload({ serviceAccount: "pi-app", podIdentity: true });
    const error = await grpcError(
      bed.mount(workload, {
        tokens: { "sts.amazonaws.com": "x" },
        parameters: { region, usePodIdentity: "true", objects },
      }),
    );
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toContain('audience "pods.eks.amazonaws.com"');
  });
});

describe("credential caching", () => {
  test("100 mounts by one ServiceAccount make one STS call", async () => {
    const workload = bed.workload({ serviceAccount: "busy" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "team/*" });
    bed.aws.resetCalls();
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => bed.mount(workload, { parameters: { region, objects } })),
    );
    expect(responses.every((r) => r.files.length === 1)).toBe(true);
    expect(bed.aws.calls.filter((c) => c.operation === "AssumeRoleWithWebIdentity")).toHaveLength(
      1,
    );
    // Coalesced and then cached: one read of the secret for 100 pods.
    expect(bed.aws.calls.filter((c) => c.operation === "GetSecretValue")).toHaveLength(1);
  });

  test("two ServiceAccounts with different roles use their own credentials, even for the same secret", async () => {
    const reader = bed.workload({ serviceAccount: "reader" });
    const outsider = bed.workload({ serviceAccount: "outsider" });
    bed.aws.grant(reader.roleArn, { service: "secretsmanager", resource: "team/*" });
    bed.aws.resetCalls();
    const allowed = await bed.mount(reader, { parameters: { region, objects } });
    expect(filesOf(allowed)[0]?.text).toBe("team-db-secret");
    // The reader's value is cached now; the outsider must still be refused by AWS.
    const error = await grpcError(bed.mount(outsider, { parameters: { region, objects } }));
    expect(error.code).toBe(status.PERMISSION_DENIED);
    const reads = bed.aws.calls.filter((c) => c.operation === "GetSecretValue");
    expect(reads.map((c) => c.roleArn)).toEqual([reader.roleArn, outsider.roleArn]);
    expect(new Set(reads.map((c) => c.accessKeyId)).size).toBe(2);
    // And the reader keeps working from its own cache entry.
    expect(filesOf(await bed.mount(reader, { parameters: { region, objects } }))[0]?.text).toBe(
      "team-db-secret",
    );
  });

  test("a ServiceAccount re-annotated with another role gets that role's credentials", async () => {
    const workload = bed.workload({ serviceAccount: "switcher" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "team/*" });
    await bed.mount(workload, { parameters: { region, objects } });
    const newRole = "arn:aws:iam::111122223333:role/switched";
    bed.kube.putServiceAccount("default", "switcher", { "eks.amazonaws.com/role-arn": newRole });
    bed.aws.trustWebIdentity(workload.token, { roleArns: [workload.roleArn, newRole] });
    // The ServiceAccount cache lives at most 30 s; a new provider sees the change at once.
    await using fresh = await startTestBed();
    const w = fresh.workload({ serviceAccount: "switcher", roleArn: newRole });
    const error = await grpcError(fresh.mount(w, { parameters: { region, objects } }));
    expect(error.details).toContain(newRole);
  });
});

describe("cross-account chaining (assumeRoleArn)", () => {
  test("fetches with the chained role's credentials", async () => {
    const workload = bed.workload({ serviceAccount: "chainer" });
    const target = "arn:aws:iam::444455556666:role/shared-secrets";
    bed.aws.defineRole(target, { externalId: "ext-123" });
    bed.aws.grant(target, { service: "secretsmanager", resource: "team/*" });
    bed.aws.resetCalls();
    const response = await bed.mount(workload, {
      parameters: {
        region,
        objects,
        assumeRoleArn: target,
        assumeRoleExternalId: "ext-123",
        assumeRoleDurationSeconds: "900",
      },
    });
    expect(filesOf(response)[0]?.text).toBe("team-db-secret");
    const assume = bed.aws.calls.find((c) => c.operation === "AssumeRole");
    expect(assume?.roleArn).toBe(workload.roleArn);
    expect(bed.aws.calls.find((c) => c.operation === "GetSecretValue")?.roleArn).toBe(target);
  });

  test("a wrong external ID is PERMISSION_DENIED naming the chained role", async () => {
    const workload = bed.workload({ serviceAccount: "chainer-bad" });
    const target = "arn:aws:iam::444455556666:role/strict";
    bed.aws.defineRole(target, { externalId: "right" });
    const error = await grpcError(
      bed.mount(workload, {
        parameters: { region, objects, assumeRoleArn: target, assumeRoleExternalId: "wrong" },
      }),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain(`Cannot assume role "${target}"`);
  });
});

describe("region from the node", () => {
  test("with NODE_NAME, 100 mounts read this node once", async () => {
    await using nodeBed = await startTestBed({ env: { NODE_NAME: "node-a" } });
    nodeBed.kube.putNode("node-a", { "topology.kubernetes.io/region": "eu-central-1" });
    nodeBed.aws.putSecret("eu-central-1", { name: "team/db", secretString: "eu-secret" });
    const workload = nodeBed.workload();
    nodeBed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => nodeBed.mount(workload, { parameters: { objects } })),
    );
    expect(responses.every((r) => filesOf(r)[0]?.text === "eu-secret")).toBe(true);
    const nodeGets = nodeBed.kube.requests.filter((r) => r.path.startsWith("/api/v1/nodes/"));
    expect(nodeGets).toHaveLength(1);
    expect(nodeBed.kube.requests.filter((r) => r.path.includes("/pods/"))).toHaveLength(0);
  });

  test("without NODE_NAME, pods on one node cost one node GET and at most one pod GET each", async () => {
    // 100 pod GETs at the default 5 qps would take 20 s; the rate limit has its own tests.
    await using nodeBed = await startTestBed({ flags: ["--qps=1000", "--burst=1000"] });
    nodeBed.kube.putNode("node-b", { "topology.kubernetes.io/region": "ap-south-1" });
    nodeBed.aws.putSecret("ap-south-1", { name: "team/db", secretString: "ap-secret" });
    const workload = nodeBed.workload();
    nodeBed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    const pods = Array.from({ length: 100 }, (_, i) => `web-${i}`);
    for (const pod of pods)
      nodeBed.kube.putPod("default", pod, { nodeName: "node-b", serviceAccountName: "app" });
    const responses = await Promise.all(
      pods.map((name) =>
        nodeBed.mount({ ...workload, pod: { ...workload.pod, name } }, { parameters: { objects } }),
      ),
    );
    expect(responses.every((r) => filesOf(r)[0]?.text === "ap-secret")).toBe(true);
    expect(nodeBed.kube.requests.filter((r) => r.path.startsWith("/api/v1/nodes/"))).toHaveLength(
      1,
    );
    expect(
      nodeBed.kube.requests.filter((r) => r.path.includes("/pods/")).length,
    ).toBeLessThanOrEqual(100);
  });

  test("the node's region is checked as validation would: ARNs in it, failoverRegion not it", async () => {
    await using nodeBed = await startTestBed({ env: { NODE_NAME: "node-c" } });
    nodeBed.kube.putNode("node-c", { "topology.kubernetes.io/region": "eu-west-1" });
    const workload = nodeBed.workload();
    const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:team/db-AbCdEf";
    const error = await grpcError(
      nodeBed.mount(workload, {
        parameters: { failoverRegion: "eu-west-1", objects: `- objectName: "${arn}"` },
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const source = 'label "topology.kubernetes.io/region" of node "node-c"';
    expect(error.details.split("\n")).toEqual([
      "Invalid SecretProviderClass:",
      `failoverRegion: "eu-west-1" is the same as the primary region (${source}): use another region or remove failoverRegion`,
      `objects[0] ("${arn}").objectName: ARN region "us-east-1" does not match the node's region (${source}) "eu-west-1"`,
    ]);
    expect(nodeBed.aws.calls).toHaveLength(0);
  });

  test("no region anywhere names the three places looked at", async () => {
    await using nodeBed = await startTestBed({ env: { NODE_NAME: "bare-node" } });
    nodeBed.kube.putNode("bare-node", {});
    const workload = nodeBed.workload();
    const error = await grpcError(nodeBed.mount(workload, { parameters: { objects } }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('no "region" parameter');
    expect(error.details).toContain("AWS_REGION");
    expect(error.details).toContain(
      'node "bare-node" has no "topology.kubernetes.io/region" label',
    );
  });
});

describe("the provider's Kubernetes token", () => {
  test("rotating the token file mid-run loses no mount", async () => {
    await using rotating = await startTestBed({ flags: ["--cache-ttl=0"] });
    rotating.aws.putSecret(region, { name: "team/db", secretString: "rotating-secret" });
    const first = rotating.workload({ serviceAccount: "one" });
    rotating.aws.grant(first.roleArn, { service: "secretsmanager", resource: "*" });
    await rotating.mount(first, { parameters: { region, objects } });
    // kubelet swaps in a new token; the old one now gets 401.
    rotating.kube.setValidTokens(["rotated-kube-token"]);
    rotating.kube.writeClientFiles(rotating.dir, "rotated-kube-token");
    const second = rotating.workload({ serviceAccount: "two" });
    rotating.aws.grant(second.roleArn, { service: "secretsmanager", resource: "*" });
    const response = await rotating.mount(second, { parameters: { region, objects } });
    expect(filesOf(response)[0]?.text).toBe("rotating-secret");
    expect(rotating.kube.requests.at(-1)?.token).toBe("rotated-kube-token");
  });
});
