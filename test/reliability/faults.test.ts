import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { MountRequestSchema } from "../../gen/v1alpha1/service_pb.ts";
import type { BreakKind } from "../fakes/fake-aws.ts";
import { isServiceError } from "../helpers/driver-client.ts";
import { isAlive } from "../helpers/proc-stats.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { filesOf, startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";
import { check, mountRequest, seedFuzzWorld } from "./fuzz-properties.ts";

/**
 * Faults of every dependency, injected while the compiled binary runs (at --log-level=debug, so
 * the leak scan at `bed.stop()` covers every error path). Each case: the right gRPC code and a
 * message naming the cause, answered within the deadline, the process still up, and the next
 * healthy mount succeeding.
 */
const region = "us-east-1";
const objects = [
  "- {objectName: app/db, objectType: secretsmanager}",
  "- {objectName: /app/p, objectType: ssmparameter}",
].join("\n");
/** Short deadlines keep hangs cheap: the provider's budget is the deadline minus 2 s. */
const hangDeadlineMs = 2500;
const deadlineMs = 10_000;

let bed: TestBed;
let kubeProxy: TcpProxy;
let pid: number;
let workloads = 0;

beforeAll(async () => {
  let kubePort = 0;
  // The provider reaches the Kubernetes API through a proxy that can go down and up again.
  kubeProxy = await startTcpProxy(() => kubePort);
  bed = await startTestBed({
    mode: "binary",
    flags: [
      `--kube-api-url=https://127.0.0.1:${kubeProxy.port}`,
      // Every mount reaches AWS, so each injected fault is met.
      "--cache-ttl=0",
      "--pod-identity-http-timeout=250ms",
      // Two new ServiceAccounts per case: the client-side rate limit must not slow the suite.
      "--qps=1000",
      "--burst=1000",
    ],
  });
  kubePort = Number(new URL(bed.kube.url).port);
  if (bed.pid === undefined) throw new Error("no provider process");
  pid = bed.pid;
  bed.aws.putSecret(region, { name: "app/db", secretString: "fault-db-secret-value" });
  bed.aws.putParameter(region, {
    name: "/app/p",
    type: "SecureString",
    value: "fault-param-value",
  });
});

afterAll(async () => {
  await bed.stop();
  await kubeProxy.close();
});

/** A workload never used before: nothing of it is cached, so every fault is reached. */
function freshWorkload(options: { podIdentity?: boolean; serviceAccount?: string } = {}) {
  workloads += 1;
  const workload = bed.workload({
    namespace: "faults",
    serviceAccount: options.serviceAccount ?? `sa-${workloads}`,
    ...(options.podIdentity ? { podIdentity: true } : {}),
  });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "app/*" });
  bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/app/*" });
  return workload;
}

const parametersOf = (workload: Workload) => ({
  region,
  objects,
  ...(workload.tokens["pods.eks.amazonaws.com"] ? { usePodIdentity: "true" } : {}),
});

/** Mounts and returns the gRPC error with the time it took (fails when the mount succeeds). */
async function failingMount(workload: Workload, deadline: number) {
  const started = performance.now();
  const error = await bed
    .mount(workload, { parameters: parametersOf(workload) }, { deadlineMs: deadline })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const elapsedMs = performance.now() - started;
  if (!isServiceError(error)) throw new Error(`expected a gRPC error, got ${String(error)}`);
  return { code: error.code, details: error.details, elapsedMs };
}

/** The process is up and a healthy mount (of a new workload) gets both files. */
async function expectHealthy() {
  expect(isAlive(pid)).toBe(true);
  const workload = freshWorkload();
  const response = await bed.mount(workload, { parameters: parametersOf(workload) });
  expect(filesOf(response).map((f) => f.text)).toEqual([
    "fault-db-secret-value",
    "fault-param-value",
  ]);
}

interface FaultCase {
  name: string;
  /** Injects the fault; returns the undo (run before the healthy mount). */
  inject(): (() => void | Promise<void>) | undefined | Promise<(() => void) | undefined>;
  code: status;
  /** Every pattern must occur in the status message. */
  mentions: (string | RegExp)[];
  deadlineMs?: number;
  podIdentity?: boolean;
}

async function runFault(fault: FaultCase) {
  const workload = freshWorkload(fault.podIdentity ? { podIdentity: true } : {});
  const undo = await fault.inject();
  const deadline = fault.deadlineMs ?? deadlineMs;
  let answer: Awaited<ReturnType<typeof failingMount>>;
  try {
    answer = await failingMount(workload, deadline);
  } finally {
    await undo?.();
    bed.aws.resetFaults();
  }
  expect({ code: status[answer.code], details: answer.details }).toMatchObject({
    code: status[fault.code],
  });
  for (const pattern of fault.mentions) expect(answer.details).toMatch(pattern);
  // The provider answered, not the client's own deadline (grpc-js says "Deadline exceeded").
  expect(answer.details).not.toBe("Deadline exceeded");
  expect(answer.elapsedMs).toBeLessThan(deadline);
  await expectHealthy();
}

const awsError = (status: number, code: string, message: string) => ({ status, code, message });
/** Both attempts of the SDK (AWS_MAX_ATTEMPTS=2 in the test bed) meet the fault. */
const bothAttempts = { times: 2 };

describe("AWS faults (binary)", () => {
  const cases: FaultCase[] = [
    {
      name: "Secrets Manager answers 500",
      inject: () =>
        void bed.aws.failNext(
          "GetSecretValue",
          awsError(500, "InternalServiceError", "internal failure"),
          bothAttempts,
        ),
      code: status.INTERNAL,
      mentions: ['objects[0] "app/db"', "us-east-1", "InternalServiceError"],
    },
    {
      name: "Secrets Manager answers 503",
      inject: () =>
        void bed.aws.failNext(
          "GetSecretValue",
          awsError(503, "ServiceUnavailable", "try later"),
          bothAttempts,
        ),
      code: status.INTERNAL,
      mentions: ['objects[0] "app/db"', "ServiceUnavailable"],
    },
    {
      name: "SSM throttles past the retries",
      inject: () =>
        void bed.aws.failNext(
          "GetParameters",
          awsError(400, "ThrottlingException", "Rate exceeded"),
          bothAttempts,
        ),
      code: status.INTERNAL,
      mentions: ['objects[1] "/app/p"', "SSM", "ThrottlingException"],
    },
    {
      name: "Secrets Manager hangs past the deadline",
      inject: () => {
        const hang = bed.aws.hang({ operation: "GetSecretValue" });
        return () => hang.release();
      },
      code: status.DEADLINE_EXCEEDED,
      mentions: ['still waiting for objects[0] "app/db"'],
      deadlineMs: hangDeadlineMs,
    },
    {
      name: "STS answers 500",
      inject: () =>
        void bed.aws.failNext(
          "AssumeRoleWithWebIdentity",
          awsError(500, "InternalFailure", "sts is down"),
          bothAttempts,
        ),
      code: status.INTERNAL,
      mentions: ["STS", "InternalFailure", "arn:aws:iam::"],
    },
    {
      name: "STS rejects the token",
      inject: () =>
        void bed.aws.failNext(
          "AssumeRoleWithWebIdentity",
          awsError(400, "InvalidIdentityToken", "token rejected"),
        ),
      code: status.UNAUTHENTICATED,
      mentions: ["STS", "InvalidIdentityToken"],
    },
    {
      name: "STS hangs past the deadline",
      inject: () => {
        const hang = bed.aws.hang({ operation: "AssumeRoleWithWebIdentity" });
        return () => hang.release();
      },
      code: status.DEADLINE_EXCEEDED,
      mentions: ["still waiting for credentials from STS"],
      deadlineMs: hangDeadlineMs,
    },
  ];
  const causes: Record<BreakKind, RegExp> = {
    close: /ECONNRESET|closed/,
    truncated: /ECONNRESET|closed|parse/,
    "malformed-json": /parse/,
    html: /502|Bad Gateway|parse/,
  };
  for (const kind of Object.keys(causes) as BreakKind[]) {
    cases.push({
      name: `Secrets Manager breaks the answer (${kind})`,
      inject: () => void bed.aws.breakNext("GetSecretValue", kind, bothAttempts),
      code: status.INTERNAL,
      mentions: ['objects[0] "app/db"', causes[kind]],
    });
    cases.push({
      name: `SSM breaks the answer (${kind})`,
      inject: () => void bed.aws.breakNext("GetParameters", kind, bothAttempts),
      code: status.INTERNAL,
      mentions: ['objects[1] "/app/p"', causes[kind]],
    });
    cases.push({
      name: `STS breaks the answer (${kind})`,
      inject: () => void bed.aws.breakNext("AssumeRoleWithWebIdentity", kind, bothAttempts),
      code: status.INTERNAL,
      mentions: ["STS", causes[kind]],
    });
  }
  for (const fault of cases) test(fault.name, () => runFault(fault));

  test("one connection closed mid-way is retried and the mount succeeds", async () => {
    const workload = freshWorkload();
    bed.aws.resetCalls();
    bed.aws.breakNext("GetSecretValue", "close");
    const response = await bed.mount(workload, { parameters: parametersOf(workload) });
    expect(filesOf(response)[0]?.text).toBe("fault-db-secret-value");
    expect(bed.aws.calls.filter((c) => c.operation === "GetSecretValue")).toHaveLength(2);
  });
});

describe("EKS Pod Identity agent faults (binary)", () => {
  test("the agent answering 500 until the deadline is a clear error in time", () =>
    runFault({
      name: "agent 500",
      podIdentity: true,
      inject: () => {
        bed.agent.failNext(500, 1_000_000);
        return () => bed.agent.failNext(500, 0);
      },
      code: status.DEADLINE_EXCEEDED,
      mentions: ["Pod Identity agent"],
      deadlineMs: hangDeadlineMs,
    }));

  test("the agent hanging is a clear error in time", () =>
    runFault({
      name: "agent hangs",
      podIdentity: true,
      inject: () => {
        bed.agent.setHanging(true);
        return () => bed.agent.setHanging(false);
      },
      code: status.DEADLINE_EXCEEDED,
      mentions: ["Pod Identity agent"],
      deadlineMs: hangDeadlineMs,
    }));

  test("an agent that is not ready yet is retried within the budget", async () => {
    const workload = freshWorkload({ podIdentity: true });
    bed.agent.failNext(503, 3);
    const response = await bed.mount(workload, { parameters: parametersOf(workload) });
    expect(filesOf(response)).toHaveLength(2);
  });
});

describe("Kubernetes API faults (binary)", () => {
  test("the API server down (connection refused) is INTERNAL naming the API server", () =>
    runFault({
      name: "kube down",
      inject: async () => {
        await kubeProxy.setState("refuse");
        return () => kubeProxy.setState("up");
      },
      code: status.INTERNAL,
      mentions: ["Kubernetes API", `127.0.0.1:${kubeProxy.port}`, /ECONNREFUSED|refused/i],
    }));

  test("the API server resetting connections is INTERNAL naming the API server", () =>
    runFault({
      name: "kube resets",
      inject: async () => {
        await kubeProxy.setState("reset");
        return () => kubeProxy.setState("up");
      },
      code: status.INTERNAL,
      mentions: ["Kubernetes API", 'ServiceAccount "faults/'],
    }));

  test("a slow API server past the deadline is DEADLINE_EXCEEDED naming the Kubernetes API", () =>
    runFault({
      name: "kube slow",
      inject: () => {
        bed.kube.setLatency(hangDeadlineMs + 1000);
        return () => bed.kube.setLatency(0);
      },
      code: status.DEADLINE_EXCEEDED,
      // The mount waits for the ServiceAccount, not for STS.
      mentions: [/Kubernetes|ServiceAccount/],
      deadlineMs: hangDeadlineMs,
    }));

  test("a slow API server within the deadline only makes the mount slower", async () => {
    bed.kube.setLatency(300);
    try {
      const workload = freshWorkload();
      const response = await bed.mount(workload, { parameters: parametersOf(workload) });
      expect(filesOf(response)).toHaveLength(2);
    } finally {
      bed.kube.setLatency(0);
    }
  });

  test("401 for the provider's own token, also after re-reading it, is INTERNAL naming the token file", () =>
    runFault({
      name: "kube 401",
      inject: () => {
        bed.kube.setValidTokens(["a-token-the-provider-does-not-have"]);
        return () => bed.kube.setValidTokens(["fake-kube-token"]);
      },
      code: status.INTERNAL,
      mentions: ["unauthorized", "token"],
    }));

  test("403 is PERMISSION_DENIED naming the missing RBAC rule", () =>
    runFault({
      name: "kube 403",
      inject: () => {
        bed.kube.setForbidden("serviceaccounts");
        return () => bed.kube.setForbidden("serviceaccounts", false);
      },
      code: status.PERMISSION_DENIED,
      mentions: ["ClusterRole", '"get" on "serviceaccounts"'],
    }));

  test("404 for the pod's ServiceAccount is NOT_FOUND naming it", async () => {
    const ghost = freshWorkload();
    const answer = await failingMount(
      { ...ghost, pod: { ...ghost.pod, serviceAccountName: "ghost" } },
      deadlineMs,
    );
    expect(status[answer.code]).toBe("NOT_FOUND");
    expect(answer.details).toContain('ServiceAccount "faults/ghost"');
    await expectHealthy();
  });

  test("500 is INTERNAL quoting the API server", () =>
    runFault({
      name: "kube 500",
      inject: () => void bed.kube.failNext(500, 1),
      code: status.INTERNAL,
      mentions: ["Kubernetes API", "HTTP 500"],
    }));
});

describe("logs of the fault paths", () => {
  test("carry each failure's cause at its level, so the leak scan at stop covers the causes", () => {
    const failed = bed
      .output()
      .split("\n")
      .filter((line) => line.includes('"msg":"Mount failed"'))
      .map((line) => JSON.parse(line) as { level: string; code: string; cause?: unknown });
    expect(failed.some((line) => line.level === "error" && line.cause !== undefined)).toBe(true);
    expect(failed.some((line) => line.level === "warn" && line.cause !== undefined)).toBe(true);
    for (const line of failed) {
      const isServerSide = line.code === "INTERNAL" || line.code === "DEADLINE_EXCEEDED";
      expect({ code: line.code, level: line.level }).toEqual({
        code: line.code,
        level: isServerSide ? "error" : "warn",
      });
    }
  });
});

describe("hostile input against the binary", () => {
  test("200 fuzzed MountRequests are each answered with a status and the process keeps serving", async () => {
    const world = seedFuzzWorld(bed);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(mountRequest(world), async (request) => {
        const grpcRequest = create(MountRequestSchema, { ...request, secrets: "null" });
        await bed.client.mount(grpcRequest, { deadlineMs }).then(
          () => check(!request.isMalformed, "a malformed request mounted"),
          (error: unknown) => {
            check(isServiceError(error) && error.details !== "", `no status: ${String(error)}`);
            check(error.code !== status.INTERNAL && error.code !== status.UNKNOWN, error.details);
          },
        );
        answered++;
      }),
      { numRuns: 200, seed: 7_200_001 },
    );
    expect(answered).toBe(200);
    expect(isAlive(pid)).toBe(true);
    await expectHealthy();
    expect(bed.output()).not.toContain("Unexpected error while mounting");
  });
});
