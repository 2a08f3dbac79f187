import { describe, expect, test } from "bun:test";
import type { AwsCallEvent, Metrics } from "../metrics.ts";
import { noopMetrics } from "../metrics.ts";
import { Redacted } from "../redacted.ts";
import type { AwsApis } from "./aws-apis.ts";
import { toAwsError } from "./aws-errors.ts";
import { instrumentAwsApis } from "./instrument-aws-apis.ts";

/** Metrics that keep every AWS call event. */
function recordingMetrics(): Metrics & { calls: AwsCallEvent[] } {
  const calls: AwsCallEvent[] = [];
  return { ...noopMetrics, calls, awsCall: (event) => calls.push(event) };
}

/** What an adapter throws for an AWS error answer. */
function serviceError(name: string, httpStatusCode: number) {
  return toAwsError(
    Object.assign(new Error(`${name} happened`), {
      name,
      $fault: httpStatusCode >= 500 ? "server" : "client",
      $metadata: { httpStatusCode },
    }),
  );
}

class SsmPort {
  readonly seen: unknown[] = [];
  async getParameters(names: string[]) {
    this.seen.push(names);
    return { parameters: [], invalidParameters: names };
  }
}

function fakeApis(options: { secretsError?: unknown } = {}) {
  const requests: unknown[] = [];
  const ssm = new SsmPort();
  const apis = {
    sts: (region: string) => ({
      assumeRoleWithWebIdentity: async (input: unknown) => {
        requests.push(["sts", region, input]);
        return { accessKeyId: "AKID", secretAccessKey: "s", sessionToken: undefined };
      },
    }),
    forRegion: (region: string) => ({
      secretsManager: {
        getSecretValue: async (input: unknown) => {
          requests.push(["sm", region, input]);
          if (options.secretsError !== undefined) throw options.secretsError;
          return { arn: "arn", name: "n", versionId: "v1" };
        },
      },
      ssm,
    }),
  };
  return { apis: apis as unknown as AwsApis, requests, ssm };
}

const credentials = new Redacted({
  accessKeyId: "AKID",
  secretAccessKey: "secret",
  sessionToken: undefined,
  expiration: undefined,
});
const signal = new AbortController().signal;

describe("instrumentAwsApis()", () => {
  test("reports each call with service, operation, region, outcome and latency; results pass through", async () => {
    const metrics = recordingMetrics();
    let clock = 0;
    const { apis, requests } = fakeApis();
    const instrumented = instrumentAwsApis(apis, metrics, { now: () => (clock += 5) });
    const input = { secretId: "db", versionId: undefined, versionStage: undefined };
    const value = await instrumented
      .forRegion("eu-west-1", credentials)
      .secretsManager.getSecretValue(input, { signal });
    expect(value).toEqual({ arn: "arn", name: "n", versionId: "v1" } as unknown as typeof value);
    expect(requests).toEqual([["sm", "eu-west-1", input]]);
    expect(metrics.calls).toEqual([
      {
        service: "secretsmanager",
        operation: "GetSecretValue",
        region: "eu-west-1",
        outcome: "success",
        durationMs: 5,
      },
    ]);
  });

  test("labels a failure with the AWS error code and rethrows the very same error", async () => {
    const metrics = recordingMetrics();
    const error = serviceError("ResourceNotFoundException", 400);
    const { apis } = fakeApis({ secretsError: error });
    const port = instrumentAwsApis(apis, metrics).forRegion("us-east-1", credentials);
    const thrown = await port.secretsManager
      .getSecretValue({ secretId: "x", versionId: undefined, versionStage: undefined }, { signal })
      .catch((e: unknown) => e);
    expect(thrown).toBe(error);
    expect(metrics.calls[0]?.outcome).toBe("ResourceNotFoundException");
  });

  test("labels transport failures with their code, and odd error names and bugs as OtherError", async () => {
    const metrics = recordingMetrics();
    const refused = toAwsError(
      Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" }),
    );
    const odd = toAwsError(Object.assign(new Error("x"), { name: "Not a {label}" }));
    const bug = new TypeError("undefined is not a function");
    for (const failure of [refused, odd, bug]) {
      const { apis } = fakeApis({ secretsError: failure });
      await instrumentAwsApis(apis, metrics)
        .forRegion("us-east-1", credentials)
        .secretsManager.getSecretValue(
          { secretId: "x", versionId: undefined, versionStage: undefined },
          { signal },
        )
        .catch(() => {});
    }
    expect(metrics.calls.map((c) => c.outcome)).toEqual([
      "ECONNREFUSED",
      "OtherError",
      "OtherError",
    ]);
  });

  test("instruments STS and class-based ports, keeping `this`", async () => {
    const metrics = recordingMetrics();
    const { apis, ssm } = fakeApis();
    const instrumented = instrumentAwsApis(apis, metrics);
    await instrumented
      .sts("ap-south-1")
      .assumeRoleWithWebIdentity(
        { roleArn: "arn:aws:iam::111122223333:role/r", sessionName: "s", token: new Redacted("t") },
        { signal },
      );
    await instrumented.forRegion("ap-south-1", credentials).ssm.getParameters(["/a"], { signal });
    expect(ssm.seen).toEqual([["/a"]]);
    expect(metrics.calls.map((c) => [c.service, c.operation, c.region, c.outcome])).toEqual([
      ["sts", "AssumeRoleWithWebIdentity", "ap-south-1", "success"],
      ["ssm", "GetParameters", "ap-south-1", "success"],
    ]);
  });
});
