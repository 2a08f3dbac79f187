import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { isServiceError } from "../helpers/driver-client.ts";
import { findLeaks, startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const region = "us-east-1";
const sm = (name: string) => `- {objectName: "${name}", objectType: secretsmanager}`;
/** The nodePublishSecretRef data the driver sends in `secrets`; the provider ignores it. */
const nodePublishSecret = "node-publish-secret-value-5f1c";
const untrustedToken = "eyJhbGciOiJSUzI1NiJ9.untrusted-redaction-token.sig";
const expiredToken = "eyJhbGciOiJSUzI1NiJ9.expired-redaction-token.sig";

/**
 * Every error path of the mount pipeline, at `--log-level=debug`, in both log formats and both
 * process kinds; then the captured output is scanned for every secret value, token and credential
 * that exists anywhere in the test (the fakes' own lists plus the values below).
 */
describe.each([
  { mode: "in-process", format: "json" },
  { mode: "source", format: "text" },
] as const)("log redaction ($mode, $format, debug)", ({ mode, format }) => {
  let bed: TestBed;
  let workload: Workload;
  const codes: number[] = [];

  /** Mounts with a `secrets` field set and records the gRPC code of the failure. */
  async function failMount(w: Workload, init: Parameters<TestBed["mount"]>[1]) {
    const error = await bed
      .mount(w, { secrets: JSON.stringify({ password: nodePublishSecret }), ...init })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    if (!isServiceError(error)) throw new Error("expected the mount to fail");
    codes.push(error.code);
  }

  beforeAll(async () => {
    bed = await startTestBed({ mode, flags: [`--log-format=${format}`, "--cache-ttl=0"] });
    workload = bed.workload({ namespace: "redact", serviceAccount: "app" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "ok/*" });
    bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/ok/*" });
    bed.aws.putSecret(region, { name: "ok/plain", secretString: "plain-text-secret-value-93a" });
    bed.aws.putSecret(region, { name: "ok/json", secretString: '{"user":"admin-user-7e2","n":4}' });
    bed.aws.putSecret(region, { name: "ok/locked", secretString: "kms-locked-secret-value-11d" });
    bed.aws.putSecret(region, { name: "denied/x", secretString: "denied-secret-value-c08" });
    bed.aws.putParameter(region, { name: "/ok/p", type: "SecureString", value: "param-value-4b6" });
    bed.aws.denyDecrypt(region, "ok/locked");
    bed.aws.trustWebIdentity(expiredToken, { roleArns: [workload.roleArn], expired: true });
  });

  afterAll(() => bed.stop());

  test("every error path answers with an error", async () => {
    const noRole = bed.workload({ namespace: "redact", serviceAccount: "no-role", roleArn: null });
    await failMount(workload, {
      parameters: { region, objects: "- {objectName: a, objectType: x}" },
    });
    await failMount(noRole, { parameters: { region, objects: sm("ok/plain") } });
    await failMount(workload, {
      tokens: { other: untrustedToken },
      parameters: { region, objects: sm("ok/plain") },
    });
    await failMount(workload, {
      tokens: { "sts.amazonaws.com": untrustedToken },
      parameters: { region, objects: sm("ok/plain") },
    });
    await failMount(workload, {
      tokens: { "sts.amazonaws.com": expiredToken },
      parameters: { region, objects: sm("ok/plain") },
    });
    await failMount(workload, { parameters: { region, objects: sm("denied/x") } });
    await failMount(workload, { parameters: { region, objects: sm("ok/missing") } });
    await failMount(workload, { parameters: { region, objects: sm("ok/locked") } });
    await failMount(workload, {
      parameters: { region, objects: "- {objectName: /ok/gone, objectType: ssmparameter}" },
    });
    // The value is fetched, then cannot be rendered: the provider holds it while failing.
    await failMount(workload, {
      parameters: {
        region,
        objects: `- objectName: ok/plain\n  objectType: secretsmanager\n  jmesPath: [{path: user, objectAlias: u}]`,
      },
    });
    await failMount(workload, {
      parameters: {
        region,
        objects: `- objectName: ok/json\n  objectType: secretsmanager\n  jmesPath: [{path: n, objectAlias: n}]`,
      },
    });
    bed.aws.failNext(
      "GetSecretValue",
      { status: 500, code: "InternalFailure", message: "boom" },
      {
        times: 4,
      },
    );
    await failMount(workload, { parameters: { region, objects: sm("ok/plain") } });
    bed.aws.failNext(
      "AssumeRoleWithWebIdentity",
      { status: 503, code: "ServiceUnavailable", message: "sts down" },
      { times: 4 },
    );
    await failMount(workload, { parameters: { region, objects: sm("ok/plain") } });
    bed.aws.resetFaults();
    bed.kube.failNext(500, 4);
    const other = bed.workload({ namespace: "redact", serviceAccount: "kube-fails" });
    await failMount(other, { parameters: { region, objects: sm("ok/plain") } });

    expect(codes).toHaveLength(14);
    expect(codes).toEqual(
      expect.arrayContaining([
        status.INVALID_ARGUMENT,
        status.FAILED_PRECONDITION,
        status.UNAUTHENTICATED,
        status.PERMISSION_DENIED,
        status.NOT_FOUND,
        status.INTERNAL,
      ]),
    );
  });

  test("the debug output holds no secret value, token, credential or secrets field", () => {
    const output = bed.output();
    // Not vacuous: the most verbose level is on, and failures were logged with their causes.
    expect(output).toContain(format === "json" ? '"cause":{' : " cause={");
    const sensitive = [
      ...bed.aws.sensitiveValues(),
      ...bed.kube.sensitiveValues(),
      nodePublishSecret,
      untrustedToken,
      expiredToken,
      workload.token,
      "admin-user-7e2",
    ];
    expect(sensitive.length).toBeGreaterThan(8);
    expect(findLeaks(output, sensitive)).toEqual([]);
    // Access key ids are not secret alone, but nothing needs them in a log line either.
    expect(output).not.toMatch(/\bASIA[A-Z0-9]{16}\b/);
  });
});
